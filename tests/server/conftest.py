"""Fixtures of the service tests: a toy model folder and a client of an app serving it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service tests need the 'server' extra")
sys.path.insert(0, str(Path(__file__).parent))  # service_toy, shared with the test modules

from service_toy import build_toy_model, wait_ready


@pytest.fixture(scope="session")
def toy_model_dir(tmp_path_factory):
    return build_toy_model(tmp_path_factory.mktemp("toy_model"))


@pytest.fixture(scope="module")
def client(toy_model_dir):
    from fastapi.testclient import TestClient

    from clinical_ner.server import create_app

    app = create_app(toy_model_dir, max_texts=8, timeout_s=20, batch_wait_ms=2)
    with TestClient(app) as test_client:
        wait_ready(test_client)
        yield test_client
