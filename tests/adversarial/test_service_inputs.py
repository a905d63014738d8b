"""The service against hostile and careless input: every answer is JSON with a stable code,
the connection survives, nothing forges or pollutes the log, and a hypothesis fuzz of
request bodies never gets a 500."""

from __future__ import annotations

import gzip
import json
import logging
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def post_raw(client, body: bytes, **headers):
    return client.post("/v1/annotate", content=body,
                       headers={"Content-Type": "application/json", **headers})


def test_a_lone_surrogate_is_invalid_text_and_the_connection_survives(service):
    response = post_raw(service, b'{"text": "\\ud800 chest pain"}')
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_text"
    assert service.post("/v1/annotate", json={"text": "chest pain"}).status_code == 200


@pytest.mark.parametrize("body", [
    b'{"text": "\xff\xfe chest"}',            # not UTF-8
    b"[" * 100_000 + b"]" * 100_000,          # nesting far beyond any note
    b'{"text": "a"',                          # cut short
])
def test_undecodable_bodies_are_invalid_json(service, body):
    response = post_raw(service, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_json"


def test_a_gzip_body_the_service_does_not_accept_is_a_json_error(service):
    response = post_raw(service, gzip.compress(b'{"text": "chest pain"}'), **{"Content-Encoding": "gzip"})
    assert response.status_code in (400, 415)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] in ("invalid_json", "unsupported_media_type")


@pytest.mark.parametrize("body", [
    {"text": "chest pain", "include_tokens": "yes"},
    {"text": "chest pain", "include_assertion": 1},
    {"text": 5},
    {"texts": ["a", 7]},
])
def test_types_are_strict(service, body):
    response = service.post("/v1/annotate", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/v1/models", "/", "/docs"])
def test_head_answers_wherever_get_does(service, path):
    assert service.head(path).status_code == 200


def test_runs_of_terminators_are_answered(service):
    for mark in ".!?":
        response = service.post("/v1/annotate", json={"text": mark * 70_000})
        assert response.status_code == 200
    assert service.get("/healthz").status_code == 200


def test_log_fields_cannot_forge_lines(service, caplog):
    caplog.set_level(logging.INFO, logger="clinical_ner.server")
    service.get("/x%0aINFO clinical_ner.server: POST /v1/annotate 200 FORGED%00")
    lines = [r.getMessage() for r in caplog.records if r.name == "clinical_ner.server"]
    assert lines and all("\n" not in line and "\x00" not in line for line in lines)
    assert any("\\n" in line and "\\x00" in line for line in lines)


def test_a_model_that_fails_shows_no_server_path(tmp_path):
    from fastapi.testclient import TestClient

    from clinical_ner.server import create_app

    broken = tmp_path / "secret-folder" / "ner_clinical"
    broken.mkdir(parents=True)
    (broken / "metadata.json").write_text("{}", encoding="utf-8")
    with TestClient(create_app(broken)) as client:
        for _ in range(600):
            if client.get("/readyz").json().get("error") == "model_failed":
                break
            time.sleep(0.05)
        body = client.post("/v1/annotate", json={"text": "x"}).json()
    assert body["error"] == "model_failed"
    assert "secret-folder" not in body["message"] and str(tmp_path) not in body["message"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
BODIES = st.one_of(
    st.dictionaries(st.sampled_from(["text", "texts", "labels", "include_tokens",
                                     "include_sentences", "include_confidence",
                                     "include_assertion", "extra"]), JSON_VALUES, max_size=5),
    JSON_VALUES,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_fuzzed_bodies_never_get_a_server_error(service, body):
    response = post_raw(service, json.dumps(body).encode("utf-8"))
    assert response.status_code in (200, 400, 413, 422), response.text
    payload = response.json()
    if response.status_code != 200:
        assert set(payload) == {"error", "message"}
