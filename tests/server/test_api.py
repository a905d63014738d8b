"""Every route of the service and every error it answers, through FastAPI's TestClient."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time

import pytest
from fastapi.testclient import TestClient

from clinical_ner.server import create_app
from clinical_ner.server.app import ModelHolder
from clinical_ner.server.batching import MicroBatcher, QueueFullError

from ..helpers.service import hold_model_calls, wait_ready
from ..helpers.toy import EXPECTED, NOTE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SECRET = "Zebrafinch Quokkason reports chest pain"  # a note whose text must never be logged


def _entities(response):
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["entities"]


# ----- annotate ------------------------------------------------------------------------------
def test_annotate_one_text_exact_offsets(client):
    body = client.post("/v1/annotate", json={"text": NOTE}).json()
    assert body["model"].endswith("ner_clinical")
    (result,) = body["results"]
    assert set(result) == {"entities"}
    found = {(e["text"], e["label"]) for e in result["entities"]}
    assert found >= EXPECTED
    for e in result["entities"]:
        assert NOTE[e["begin"] : e["end"] + 1] == e["text"]
        assert 0.0 <= e["confidence"] <= 1.0


def test_annotate_many_texts_in_order_with_odd_characters(client):
    texts = ["We ordered ECG today.", "", "  \r\n\t ", "😀 Patient reports fever.\r\nNo rash after aspirin."]
    results = client.post("/v1/annotate", json={"texts": texts}).json()["results"]
    assert len(results) == 4
    assert [e["text"] for e in results[0]["entities"]] == ["ECG"]
    assert results[1]["entities"] == [] and results[2]["entities"] == []
    for text, result in zip(texts, results, strict=True):
        for e in result["entities"]:
            assert text[e["begin"] : e["end"] + 1] == e["text"]
    assert "fever" in {e["text"] for e in results[3]["entities"]}


def test_annotate_options(client):
    only = _entities(client.post("/v1/annotate", json={"text": NOTE, "labels": ["PROBLEM"]}))
    assert {e["label"] for e in only} == {"PROBLEM"} and len(only) == 2
    plain = _entities(client.post("/v1/annotate", json={"text": NOTE, "include_confidence": False}))
    assert plain and all("confidence" not in e for e in plain)
    full = client.post("/v1/annotate", json={"text": NOTE, "include_tokens": True,
                                              "include_sentences": True}).json()["results"][0]
    assert len(full["sentences"]) == 3
    assert full["tokens"][0] == {"begin": 0, "end": 6, "text": "Patient"}
    for span in full["tokens"] + full["sentences"]:
        assert NOTE[span["begin"] : span["end"] + 1] == span["text"]
    assert client.post("/v1/annotate", json={"text": NOTE, "labels": []}).json()["results"][0]["entities"] == []


# ----- assertion status ---------------------------------------------------------------------
NEGATED = "No rash after aspirin .\nPatient reports chest pain ."


def test_each_entity_has_its_assertion_status(client):
    entities = {e["text"]: e for e in _entities(client.post("/v1/annotate", json={"text": NEGATED}))}
    assert entities["rash"]["assertion"] == "absent" and entities["rash"]["label"] == "PROBLEM"
    assert entities["chest pain"]["assertion"] == "present"
    assert entities["aspirin"]["assertion"] == "present"  # a TREATMENT: not assessed
    for e in entities.values():
        assert NEGATED[e["begin"] : e["end"] + 1] == e["text"]
    both = client.post("/v1/annotate", json={"texts": [NOTE, NEGATED]}).json()["results"]
    assert {e["assertion"] for e in both[0]["entities"]} == {"present"}
    assert [e["assertion"] for e in both[1]["entities"] if e["text"] == "rash"] == ["absent"]
    plain = _entities(client.post("/v1/annotate", json={"text": NEGATED, "include_assertion": False}))
    assert plain and all("assertion" not in e for e in plain)
    model = client.get("/v1/models").json()["model"]
    assert model["assertion_labels"] == ["PROBLEM"] and "ContextualAssertion" in model["stages"]


def test_assertion_status_is_in_the_openapi_schema(client):
    from clinical_ner.annotators.assertion_lexicon import ASSERTION_CLASSES

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    field = schemas["Entity"]["properties"]["assertion"]
    (choice, null) = field["anyOf"]
    assert set(choice["enum"]) == set(ASSERTION_CLASSES) and null == {"type": "null"}
    assert "absent" in field["description"]
    assert "include_assertion" in schemas["AnnotateRequest"]["properties"]


def test_a_pipeline_without_assertion_answers_null(toy_model_dir):
    from clinical_ner.recipes import clinical_pipeline

    pipeline = clinical_pipeline(toy_model_dir, assertion=False)
    with TestClient(create_app(pipeline)) as client:
        wait_ready(client)
        entities = _entities(client.post("/v1/annotate", json={"text": NEGATED}))
        assert entities and all(e["assertion"] is None for e in entities)
        assert "assertion_labels" not in client.get("/v1/models").json()["model"]


# ----- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, 'exactly one of "text"'),
        ({"text": "a", "texts": ["b"]}, 'exactly one of "text"'),
        ({"text": 3}, "text: Input should be a valid string"),
        ({"texts": "not a list"}, "texts: Input should be a valid list"),
        ({"texts": ["ok", None]}, "texts.1: Input should be a valid string"),
        ({"text": "a", "include_tokens": "maybe"}, "include_tokens"),
        ({"text": "a", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ([1, 2], "valid dictionary"),
    ],
)
def test_schema_errors_are_422_with_a_message(client, body, fragment):
    response = client.post("/v1/annotate", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid_request"
    assert fragment in payload["message"]
    assert set(payload) == {"error", "message"}  # the input is never echoed back


def test_schema_error_does_not_echo_the_note(client):
    response = client.post("/v1/annotate", json={"text": SECRET, "extra": 1})
    assert response.status_code == 422 and SECRET not in response.text


def test_malformed_json_is_400(client):
    response = client.post("/v1/annotate", content=b'{"text": "chest pain',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert "not valid JSON" in response.json()["message"]


def test_non_json_content_type_is_415(client):
    response = client.post("/v1/annotate", content=b"chest pain",
                           headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]


def test_too_many_texts_is_422(client):
    response = client.post("/v1/annotate", json={"texts": ["fever"] * 9})
    assert response.status_code == 422
    assert response.json() == {
        "error": "too_many_texts",
        "message": "9 texts in one request; the limit is 8: send them in several requests",
    }


def test_unknown_label_is_422(client):
    response = client.post("/v1/annotate", json={"text": NOTE, "labels": ["PROBLEM", "DRUG"]})
    assert response.status_code == 422
    assert response.json()["error"] == "unknown_label"
    assert "'DRUG'" in response.json()["message"] and "TREATMENT" in response.json()["message"]


def test_body_over_the_limit_is_413(client):
    big = {"text": "fever " * 200_000}  # 1.2 MB
    response = client.post("/v1/annotate", json=big)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert "limit is 1000000 bytes" in response.json()["message"]
    # a chunked upload (no Content-Length) is counted as it arrives
    chunks = (b'{"text": "' if i == 0 else b"x" * 65536 for i in range(20))
    response = client.post("/v1/annotate", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    # and the service goes on serving
    assert _entities(client.post("/v1/annotate", json={"text": NOTE}))


def test_unknown_route_and_method(client):
    assert client.get("/v2/annotate").json() == {"error": "not_found", "message": "Not Found"}
    response = client.get("/v1/annotate")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert client.get("/assets/nothing.js").status_code == 404
    assert client.get("/docs-assets/nothing.js").status_code == 404


def test_timeout_is_504_and_the_service_recovers(toy_model_dir, monkeypatch):
    # The first call holds the model until the test releases it (bounded waits, no sleeps).
    hold, release, finished = threading.Event(), threading.Event(), threading.Event()
    original = ModelHolder.run

    def run(self, texts):
        if not hold.is_set():
            return original(self, texts)
        hold.clear()
        try:
            release.wait(10)
            return original(self, texts)
        finally:
            finished.set()

    monkeypatch.setattr(ModelHolder, "run", run)
    with TestClient(create_app(toy_model_dir, timeout_s=0.2)) as client:
        wait_ready(client)
        hold.set()
        response = client.post("/v1/annotate", json={"text": NOTE})
        assert response.status_code == 504
        assert response.json()["error"] == "timeout" and "0.2 s" in response.json()["message"]
        release.set()
        assert finished.wait(10), "the held model call never ended"
        assert _entities(client.post("/v1/annotate", json={"text": NOTE}))


def test_pipeline_failure_is_500_without_note_text_in_the_log(toy_model_dir, monkeypatch, caplog):
    def run(self, texts):
        raise ValueError(f"cannot process {texts[0]}")  # a message that quotes the input

    monkeypatch.setattr(ModelHolder, "run", run)
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(toy_model_dir)) as client:
        wait_ready(client)
        response = client.post("/v1/annotate", json={"text": SECRET})
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error" and SECRET not in response.text
    assert "ValueError" in caplog.text and SECRET not in caplog.text


# ----- readiness ------------------------------------------------------------------------------
def test_readyz_is_503_while_loading(toy_model_dir, monkeypatch):
    release = threading.Event()
    original = ModelHolder.load

    def load(self):
        release.wait(10)
        original(self)

    monkeypatch.setattr(ModelHolder, "load", load)
    with TestClient(create_app(toy_model_dir)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json()["error"] == "not_ready"
        response = client.post("/v1/annotate", json={"text": NOTE})
        assert response.status_code == 503 and response.headers["retry-after"] == "2"
        assert client.get("/v1/models").json()["model"]["ready"] is False
        release.set()
        wait_ready(client)
        assert client.get("/readyz").json() == {"status": "ready", "model": str(toy_model_dir)}


def test_a_model_that_fails_to_load_is_reported(tmp_path):
    with TestClient(create_app("no_such_model")) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 10
        while client.get("/readyz").json().get("error") == "not_ready" and time.monotonic() < deadline:
            time.sleep(0.02)
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json()["error"] == "model_failed"
        assert "no pretrained resource 'no_such_model'" in response.json()["message"]
        response = client.post("/v1/annotate", json={"text": "fever"})
        assert response.status_code == 503 and response.json()["error"] == "model_failed"


# ----- other routes ---------------------------------------------------------------------------
def test_healthz_readyz_models(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    models = client.get("/v1/models").json()
    assert models["model"]["labels"] == ["PROBLEM", "TEST", "TREATMENT"]
    assert models["model"]["ready"] is True and models["model"]["version"] == "toy"
    assert "NerConverter" in models["model"]["stages"]
    assert models["limits"]["max_texts"] == 8 and models["limits"]["max_body_bytes"] == 1_000_000
    assert isinstance(models["available"], list)
    assert models["batching"]["batches"] >= 1


def test_openapi_and_offline_docs(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) >= {"/v1/annotate", "/healthz", "/readyz", "/v1/models"}
    assert "413" in schema["paths"]["/v1/annotate"]["post"]["responses"]
    for page, script in (("/docs", "/docs-assets/swagger-ui-bundle.js"),
                         ("/redoc", "/docs-assets/redoc.standalone.js")):
        html = client.get(page).text
        assert script in html and "clinical-ner API" in html, page
        # nothing is loaded from another origin (air-gapped hospital networks)
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), page
        assert "fonts.googleapis" not in html
    bundle = client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


def test_docs_without_the_offline_assets_say_so(toy_model_dir, monkeypatch):
    from clinical_ner.server import app as app_module

    monkeypatch.setattr(app_module, "_offline_docs_assets", lambda: {})
    with TestClient(create_app(toy_model_dir)) as client:
        for page, tool in (("/docs", "Swagger UI"), ("/redoc", "ReDoc")):
            html = client.get(page).text
            assert f"{tool} is not available" in html, page
            assert "pip install fastapi-offline" in html and "/openapi.json" in html
        assert client.get("/openapi.json").status_code == 200


def test_demo_page_and_assets_are_served_by_the_app(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert 'id="note"' in html and 'id="annotate"' in html and 'id="download"' in html
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    js = client.get("/assets/demo.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "/v1/annotate" in js.text and "innerHTML" not in js.text
    assert "chest pain" in js.text  # the example notes
    assert client.get("/assets/demo.css").headers["content-type"].startswith("text/css")
    assert "line-through" in client.get("/assets/demo.css").text  # absent entities
    assert "dataset.assertion" in js.text
    assert client.get("/favicon.ico").status_code == 200


# ----- logging --------------------------------------------------------------------------------
def test_the_service_never_logs_note_text(toy_model_dir, caplog):
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(toy_model_dir)) as client:
        wait_ready(client)
        client.post("/v1/annotate", json={"text": SECRET})
        client.post("/v1/annotate", json={"texts": [SECRET, SECRET]})
        client.post("/v1/annotate", json={"text": SECRET, "bad": True})
        client.post("/v1/annotate", content=SECRET.encode(), headers={"content-type": "application/json"})
        client.post("/v1/annotate?note=" + SECRET.replace(" ", "+"), json={"text": "x"})
    # httpx's records are the test client's (it logs the URL it requests), not the service's
    service = "\n".join(r.getMessage() for r in caplog.records
                        if not r.name.startswith(("httpx", "httpcore")))
    assert "Quokkason" not in service
    access = [r.getMessage() for r in caplog.records if r.name == "clinical_ner.server"]
    assert any(re.match(r"POST /v1/annotate 200 in=\d+B out=\d+B [\d.]+ms", line) for line in access)


# ----- batching -------------------------------------------------------------------------------
def test_concurrent_requests_share_pipeline_calls(toy_model_dir, monkeypatch):
    # The first model call is held until all 12 requests were submitted, so the others
    # queue up behind it (events with bounded waits, no sleeps).
    calls: list[int] = []
    release, submitted = hold_model_calls(monkeypatch, on_run=lambda texts: calls.append(len(texts)))
    with TestClient(create_app(toy_model_dir, batch_size=64)) as client:
        wait_ready(client)
        answers: dict[int, list] = {}

        def post(i):
            text = f"Started aspirin for fever {i} ."
            answers[i] = (text, client.post("/v1/annotate", json={"text": text}).json())

        threads = [threading.Thread(target=post, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for _ in threads:
            assert submitted.acquire(timeout=10), "a request never reached the batcher"
        release.set()
        for t in threads:
            t.join()
        stats = client.get("/v1/models").json()["batching"]
    assert len(answers) == 12
    for text, body in answers.values():  # each request got its own text's entities
        for e in body["results"][0]["entities"]:
            assert text[e["begin"] : e["end"] + 1] == e["text"]
        assert "aspirin" in {e["text"] for e in body["results"][0]["entities"]}
    assert sum(calls) == 12 and len(calls) < 12
    assert stats["requests"] == 12 and stats["mean_requests_per_batch"] > 1


def test_micro_batcher_groups_orders_and_bounds():
    async def scenario():
        seen: list[list[str]] = []

        def run_batch(texts):
            seen.append(list(texts))
            time.sleep(0.05)
            return [t.upper() for t in texts]

        batcher = MicroBatcher(run_batch, max_batch_texts=4, max_wait_ms=20, max_queue_texts=6)
        await batcher.start()
        try:
            jobs = [batcher.submit([f"a{i}", f"b{i}"], list) for i in range(3)]
            results = await asyncio.gather(*jobs)
            assert results == [[f"A{i}", f"B{i}"] for i in range(3)]
            assert [len(b) for b in seen] == [4, 2]  # at most max_batch_texts, jobs kept whole
            first = asyncio.ensure_future(batcher.submit(["x"] * 6, list))
            await asyncio.sleep(0)
            with pytest.raises(QueueFullError, match="limit 6"):
                await batcher.submit(["y"], list)
            assert len(await first) == 6
            # a cancelled (timed-out) job never reaches the model
            seen.clear()
            slow = asyncio.ensure_future(batcher.submit(["late"], list))
            await asyncio.sleep(0)  # queued...
            slow.cancel()  # ...then its request times out
            assert await batcher.submit(["kept"], list) == ["KEPT"]
            assert ["late"] not in seen and batcher.stats.dropped_timed_out >= 1
        finally:
            await batcher.stop()

    asyncio.run(scenario())
