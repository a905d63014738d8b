"""Fixtures of the adversarial tests: the service tests' toy model and client."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    pytest.importorskip("fastapi", reason="the service tests need the 'server' extra")
    from fastapi.testclient import TestClient
    from service_toy import build_toy_model, wait_ready

    from clinical_ner.server import create_app

    app = create_app(build_toy_model(tmp_path_factory.mktemp("toy")), max_texts=8,
                     timeout_s=20, batch_wait_ms=2)
    with TestClient(app) as client:
        wait_ready(client)
        yield client
