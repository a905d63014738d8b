"""The service's limits end to end: a full queue answers 503 over HTTP, and every limit flag of
``clinical-ner serve`` reaches the app (seen in /v1/models and in the answers)."""

from __future__ import annotations

import io
import threading

import pytest
from fastapi.testclient import TestClient

from clinical_ner.cli import main
from clinical_ner.server import create_app

from ..helpers.service import hold_model_calls, wait_ready

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_full_queue_answers_503_busy(toy_model_dir, monkeypatch):
    # A is held inside the model, B waits in the queue (limit: 1 text), C finds it full.
    running = threading.Event()
    release, submitted = hold_model_calls(monkeypatch, on_run=lambda texts: running.set())
    app = create_app(toy_model_dir, batch_size=1, max_queue_texts=1, timeout_s=20)
    with TestClient(app) as client:
        wait_ready(client)
        answers: dict[str, int] = {}

        def post(name):
            answers[name] = client.post("/v1/annotate", json={"text": "fever ."}).status_code

        a = threading.Thread(target=post, args=("A",))
        a.start()
        assert running.wait(10), "request A never reached the model"
        b = threading.Thread(target=post, args=("B",))
        b.start()
        assert submitted.acquire(timeout=10) and submitted.acquire(timeout=10)
        response = client.post("/v1/annotate", json={"text": "cough ."})
        release.set()
        a.join(20)
        b.join(20)
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "busy" and "limit 1" in body["message"]
    assert answers == {"A": 200, "B": 200}


def test_serve_flags_reach_the_app(toy_model_dir, monkeypatch):
    uvicorn = pytest.importorskip("uvicorn")
    started = {}

    def run(app, **kwargs):  # instead of opening a port
        started["app"], started["kwargs"] = app, kwargs

    monkeypatch.setattr(uvicorn, "run", run)
    out = io.StringIO()
    code = main(["serve", "--model", str(toy_model_dir), "--host", "127.0.0.2", "--port", "8123",
                 "--max-body-bytes", "300", "--max-texts", "2", "--timeout", "7.5",
                 "--batch-size", "3", "--batch-wait-ms", "4", "--log-level", "warning"],
                stdout=out)
    assert code == 0 and "http://127.0.0.2:8123/" in out.getvalue()
    assert started["kwargs"]["host"] == "127.0.0.2" and started["kwargs"]["port"] == 8123
    assert started["kwargs"]["log_level"] == "warning"
    with TestClient(started["app"]) as client:
        wait_ready(client)
        limits = client.get("/v1/models").json()["limits"]
        assert limits == {"max_body_bytes": 300, "max_texts": 2, "timeout_s": 7.5,
                          "batch_size": 3, "batch_wait_ms": 4.0, "max_queue_texts": 4096}
        # the limits act, not only show: 3 texts > 2, a 400-byte body > 300
        assert client.post("/v1/annotate", json={"texts": ["a", "b", "c"]}).status_code == 422
        assert client.post("/v1/annotate", json={"text": "x" * 400}).status_code == 413
        assert client.post("/v1/annotate", json={"texts": ["fever .", "cough ."]}).status_code == 200


def test_serve_flag_defaults_are_the_service_limits():
    from clinical_ner.cli import build_parser

    args = build_parser().parse_args(["serve"])
    # the documented defaults (README, ServiceLimits), written out here
    assert (args.max_body_bytes, args.max_texts, args.timeout, args.batch_size,
            args.batch_wait_ms) == (1_000_000, 64, 30.0, 32, 5.0)
