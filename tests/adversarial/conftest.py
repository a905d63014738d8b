"""Fixtures of the adversarial tests: a client of an app serving the toy model."""

from __future__ import annotations

import pytest

from ..helpers.service import wait_ready


@pytest.fixture(scope="module")
def service(toy_model_dir):
    pytest.importorskip("fastapi", reason="the service tests need the 'server' extra")
    from fastapi.testclient import TestClient

    from clinical_ner.server import create_app

    app = create_app(toy_model_dir, max_texts=8, timeout_s=20, batch_wait_ms=2)
    with TestClient(app) as client:
        wait_ready(client)
        yield client
