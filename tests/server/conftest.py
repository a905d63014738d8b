"""Fixtures of the service tests: a client of an app serving the toy model (the root
conftest's ``toy_model_dir``)."""

from __future__ import annotations

import pytest

from ..helpers.service import wait_ready

pytest.importorskip("fastapi", reason="the service tests need the 'server' extra")


@pytest.fixture(scope="module")
def client(toy_model_dir):
    from fastapi.testclient import TestClient

    from clinical_ner.server import create_app

    app = create_app(toy_model_dir, max_texts=8, timeout_s=20, batch_wait_ms=2)
    with TestClient(app) as test_client:
        wait_ready(test_client)
        yield test_client
