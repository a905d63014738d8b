"""The FastAPI app: annotate, health, models, docs and the demo page.

Routes (errors are JSON ``{"error": CODE, "message": TEXT}``):

- ``POST /v1/annotate``: ``{"text": ...}`` or ``{"texts": [...]}`` plus options; each
  entity has its label, offsets, text, confidence and assertion status; 400 for a
  body that is not JSON, 413 for a body over ``max_body_bytes``, 422 for a schema error,
  too many texts or an unknown label, 503 while the model is not loaded or the queue is
  full, 504 past ``timeout_s``.
- ``GET /healthz`` (the process answers), ``GET /readyz`` (the model is loaded; 503 before),
  ``GET /v1/models``.
- ``GET /docs``, ``GET /redoc``: Swagger UI / ReDoc served from the app's own files when the
  ``fastapi-offline`` package (which ships them) is installed, so they work air-gapped;
  without it those pages say so, and ``GET /openapi.json`` works either way.
- ``GET /``: the demo page; its CSS and JS come from ``/assets/``, nothing from a CDN.

The service never logs note text: its access log (this module's, uvicorn's is off) has the
method, path without query, status, byte counts and duration only.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import traceback
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from clinical_ner import __version__
from clinical_ner.errors import ClinicalNerError
from clinical_ner.labels import AssertionStatus
from clinical_ner.pipeline import LightPipeline, PipelineModel
from clinical_ner.records import text_record
from clinical_ner.server import page
from clinical_ner.server.batching import MicroBatcher, QueueFullError
from clinical_ner.server.limits import BodySizeLimit, HeadAsGet, RequestLog, safe_log_field

logger = logging.getLogger("clinical_ner.server")

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_MAX_TEXTS = 64
DEFAULT_TIMEOUT_S = 30.0



class ApiError(ClinicalNerError):
    """An error answer: HTTP ``status``, a stable ``code`` and a message that says what to do."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


# ----- request and response schemas ------------------------------------------------------
class AnnotateRequest(BaseModel):
    """One text (``text``) or several (``texts``), and what to return."""

    # Strict types: "include_tokens": "yes" or "text": 5 is a schema error, not coerced.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"text": "Started aspirin for chest pain.",
                                         "labels": ["PROBLEM", "TREATMENT"]}]},
    )
    text: StrictStr | None = Field(None, description="one note")
    texts: list[StrictStr] | None = Field(None, description="several notes, answered in order")
    labels: list[StrictStr] | None = Field(None, description="keep only these entity labels")
    include_tokens: StrictBool = Field(False, description="also return every token's span")
    include_sentences: StrictBool = Field(False, description="also return every sentence's span")
    include_confidence: StrictBool = Field(True, description="each entity's confidence (0..1)")
    include_assertion: StrictBool = Field(True, description="each entity's assertion status")

    @model_validator(mode="after")
    def _one_of_text_texts(self) -> AnnotateRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError('give exactly one of "text" (a string) or "texts" (a list of strings)')
        return self


class Span(BaseModel):
    begin: int = Field(description="offset of the first character")
    end: int = Field(description="offset of the last character (inclusive)")
    text: str


class Entity(Span):
    label: str
    confidence: float | None = Field(None, description="the model's confidence (0..1)")
    assertion: AssertionStatus | None = Field(
        None,
        description="assertion status (i2b2 2010 classes): is the problem present, absent "
        '("no chest pain"), possible ("possible pneumonia"), conditional ("pain with '
        'exertion"), hypothetical ("return if fever develops"), or about someone else '
        '("mother had diabetes")? Labels the service does not assess (see '
        "`assertion_labels` in GET /v1/models; PROBLEM by default) are `present`; null when "
        "the pipeline has no assertion stage. Left out with `include_assertion: false`.",
    )
    section: str | None = Field(
        None,
        description="the canonical name of the note section the entity is in "
        '("history_of_present_illness", "medications", "family_history", "allergies", ...; '
        '"unknown" before the first header, "other" under an unlisted header); null when '
        "the pipeline has no section stage",
    )


class TextResult(BaseModel):
    entities: list[Entity]
    tokens: list[Span] | None = None
    sentences: list[Span] | None = None


class AnnotateResponse(BaseModel):
    model: str
    results: list[TextResult] = Field(description="one per text, in request order")


class ErrorResponse(BaseModel):
    error: str
    message: str


# ----- the model, loaded in the background -----------------------------------------------
class ModelHolder:
    """The pipeline and what /readyz and /v1/models report about it."""

    def __init__(self, model: str | Path | PipelineModel, batch_size: int) -> None:
        self.name = model.__class__.__name__ if isinstance(model, PipelineModel) else str(model)
        self.source = model
        self.batch_size = batch_size
        self.light: LightPipeline | None = None
        self.error: str | None = None
        self.labels: list[str] = []
        self.info: dict[str, Any] = {}
        self.loaded = threading.Event()

    def load(self) -> None:
        started = time.perf_counter()
        try:
            if isinstance(self.source, PipelineModel):
                pipeline = self.source
            else:
                from clinical_ner.recipes import clinical_pipeline

                pipeline = clinical_pipeline(self.source, batch_size=self.batch_size)
            self._describe(pipeline)
            self.light = LightPipeline(pipeline, batch_size=self.batch_size)
            logger.info("model %s loaded in %.1f s", self.name, time.perf_counter() - started)
        except Exception as exc:  # reported by /readyz and every annotate call
            # Clients see what failed, never server paths; the log has the detail.
            self.error = f"{type(exc).__name__}: {_without_paths(str(exc))}"
            logger.error("model %s failed to load: %s: %s", self.name, type(exc).__name__,
                         safe_log_field(str(exc), 500))
        finally:
            self.loaded.set()

    def _describe(self, pipeline: PipelineModel) -> None:
        ner = next((s for s in pipeline.stages if type(s).__name__ == "NerDLModel"), None)
        if ner is not None:
            classes = ner.getClasses()
            self.labels = sorted({c.split("-", 1)[1] for c in classes if "-" in c})
            meta = getattr(ner, "metadata", {}) or {}
            self.info = {
                "storage_ref": ner.getOrDefault("storageRef"),
                **{k: meta[k] for k in ("name", "version", "lang", "kind") if k in meta},
            }
        self.info["stages"] = [type(s).__name__ for s in pipeline.stages]
        assertion = next((s for s in pipeline.stages if type(s).__name__ == "ContextualAssertion"),
                         None)
        if assertion is not None:
            # An empty list means every label is assessed.
            self.info["assertion_labels"] = list(assertion.getOrDefault("entityLabels"))

    @property
    def ready(self) -> bool:
        return self.light is not None

    def run(self, texts: list[str]) -> list[dict[str, Any]]:
        assert self.light is not None
        return self.light.fullAnnotate(texts)


def _convert(request: AnnotateRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = set(request.labels) if request.labels is not None else None
    results = []
    for row in rows:
        record = text_record(row, include_sentences=request.include_sentences,
                             include_tokens=request.include_tokens)
        entities = [e for e in record["entities"] if keep is None or e["label"] in keep]
        for entity in entities:
            if not request.include_confidence:
                entity.pop("confidence", None)
            if request.include_assertion:
                entity.setdefault("assertion", None)  # null: the pipeline has no assertion stage
            else:
                entity.pop("assertion", None)
        record["entities"] = entities
        results.append(record)
    return results


_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s'\"(),;:]+)+[\\/]?")


def _without_paths(message: str) -> str:
    """``message`` with file-system paths replaced by ``<path>`` (a client must not learn
    the server's layout) and cut to 300 characters."""
    return _SERVER_PATH.sub("<path>", message)[:300]


def _is_encodable(text: str) -> bool:
    """Whether ``text`` is Unicode text UTF-8 can carry (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            detail = (err.get("ctx") or {}).get("error", "")
            where = err.get("loc", ("body", "?"))[-1]
            return 400, "invalid_json", f"the request body is not valid JSON ({detail} at position {where})"
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return 422, "invalid_request", "; ".join(parts) + ' (see /docs for the schema of POST /v1/annotate)'


def _offline_docs_assets() -> dict[str, tuple[bytes, str]]:
    """Swagger UI and ReDoc files shipped by ``fastapi-offline``, when it is installed."""
    try:
        from importlib.resources import files

        static = files("fastapi_offline") / "static"
        wanted = {
            "swagger-ui-bundle.js": "text/javascript",
            "swagger-ui.css": "text/css",
            "redoc.standalone.js": "text/javascript",
            "favicon.png": "image/png",
        }
        return {name: ((static / name).read_bytes(), kind) for name, kind in wanted.items()}
    except (ImportError, ModuleNotFoundError, OSError):
        return {}


def create_app(
    model: str | Path | PipelineModel = "ner_clinical",
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_texts: int = DEFAULT_MAX_TEXTS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    batch_size: int = 32,
    batch_wait_ms: float = 5.0,
    max_queue_texts: int = 4096,
    model_name: str | None = None,
) -> FastAPI:
    """The service's app.

    Args:
        model: a pretrained model name, a model folder (its embeddings beside it, as
            ``clinical_pipeline`` finds them), or a fitted :class:`PipelineModel` whose
            chunk column is ``ner_chunk``. A name or folder loads in a background thread
            when the app starts; ``/readyz`` answers 503 until it is loaded.
        max_body_bytes: larger request bodies get 413 (default 1,000,000 bytes).
        max_texts: most texts in one request (422 beyond).
        timeout_s: a request that has no answer by then gets 504.
        batch_size: most texts in one pipeline call (concurrent requests share calls).
        batch_wait_ms: how long a batch waits for more requests when the model is idle.
        max_queue_texts: most texts waiting for the model; more gets 503.
        model_name: the name /v1/models reports (default: ``model`` as given).
    """
    holder = ModelHolder(model, batch_size)
    if model_name:
        holder.name = model_name
    batcher = MicroBatcher(holder.run, max_batch_texts=batch_size, max_wait_ms=batch_wait_ms,
                           max_queue_texts=max_queue_texts)
    docs_assets = _offline_docs_assets()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await batcher.start()
        loader = threading.Thread(target=holder.load, name="clinical-ner-load", daemon=True)
        loader.start()
        try:
            yield
        finally:
            await batcher.stop()

    app = FastAPI(
        title="clinical-ner",
        version=__version__,
        description="Clinical entities (PROBLEM, TEST, TREATMENT) with exact character "
        "offsets (`end` inclusive) and each entity's assertion status (present, absent, "
        "possible, conditional, hypothetical, associated_with_someone_else). Never logs note "
        "text.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.holder = holder
    app.state.batcher = batcher
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestLog, logger=logger)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the body could not be decoded (bad UTF-8, nesting, ...)
            return _error(400, "invalid_json", "the request body is not valid JSON in UTF-8; "
                          "send one JSON object such as {\"text\": \"...\"}")
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in content_type.lower():
            return _error(415, "unsupported_media_type",
                          f"send the body as JSON with Content-Type: application/json "
                          f"(got {content_type[:60] or 'no Content-Type'})")
        status, code, message = _validation_message(exc)  # never echoes the input back
        return _error(status, code, message)

    errors = {
        400: {"model": ErrorResponse, "description": "the body is not JSON"},
        413: {"model": ErrorResponse, "description": "the body is too large"},
        415: {"model": ErrorResponse, "description": "the body is not sent as application/json"},
        422: {"model": ErrorResponse, "description": "schema error, too many texts, unknown label"},
        503: {"model": ErrorResponse, "description": "model not loaded yet, or queue full"},
        504: {"model": ErrorResponse, "description": "no answer within the timeout"},
    }

    @app.post("/v1/annotate", response_model=AnnotateResponse, responses=errors,
              summary="Entities of one or more notes")
    async def annotate(body: AnnotateRequest) -> JSONResponse:
        texts = [body.text] if body.text is not None else list(body.texts or [])
        for index, text in enumerate(texts):
            if not _is_encodable(text):
                raise ApiError(400, "invalid_text",
                               f"text {index} holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                               "which is not Unicode text; send the note as UTF-8 characters")
        if len(texts) > max_texts:
            raise ApiError(422, "too_many_texts",
                           f"{len(texts)} texts in one request; the limit is {max_texts}: "
                           "send them in several requests")
        if not holder.ready:
            _raise_not_ready()
        if body.labels is not None and holder.labels:
            unknown = sorted(set(body.labels) - set(holder.labels))
            if unknown:
                raise ApiError(422, "unknown_label",
                               f"unknown labels {unknown}; this model's labels are {holder.labels}")
        try:
            results = await asyncio.wait_for(
                batcher.submit(texts, lambda rows: _convert(body, rows)), timeout_s
            )
        except asyncio.CancelledError:
            # uvicorn cancels requests still running when a shutdown's grace period ends:
            # the client gets a clear 503 instead of a dropped connection, the log one line
            # instead of a traceback.
            logger.info("request cancelled: the service is shutting down")
            raise ApiError(503, "shutting_down", "the service is shutting down; retry on "
                           "another instance or after it restarts", {"Retry-After": "5"}) from None
        except QueueFullError as exc:
            raise ApiError(503, "busy", f"the service is overloaded: {exc}; retry shortly",
                           {"Retry-After": "1"}) from None
        except (TimeoutError, asyncio.TimeoutError):  # the same class only from Python 3.11
            raise ApiError(504, "timeout",
                           f"no answer within {timeout_s:g} s; send fewer or shorter texts, "
                           "or start the service with a longer --timeout") from None
        except Exception as exc:
            # The type and the stack only: an exception message may quote the input.
            logger.error("annotation failed: %s\n%s", type(exc).__name__,
                         "".join(traceback.format_tb(exc.__traceback__)))
            raise ApiError(500, "internal_error",
                           f"the pipeline failed ({type(exc).__name__}); see the service log") from None
        return JSONResponse({"model": holder.name, "results": results})

    def _raise_not_ready() -> None:
        if holder.error:
            raise ApiError(503, "model_failed", f"the model failed to load: {holder.error}")
        raise ApiError(503, "not_ready", "the model is still loading; retry when GET /readyz "
                       "answers 200", {"Retry-After": "2"})

    @app.get("/healthz", summary="The process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="The model is loaded",
                   responses={503: {"model": ErrorResponse}})
    async def readyz() -> JSONResponse:
        if holder.ready:
            return JSONResponse({"status": "ready", "model": holder.name})
        if holder.error:
            return _error(503, "model_failed", f"the model failed to load: {holder.error}")
        return _error(503, "not_ready", "the model is still loading")

    @app.get("/v1/models",
                   summary="The loaded model, the offline resources, the limits")
    async def models() -> dict[str, Any]:
        from clinical_ner.resources import available

        return {
            "model": {"name": holder.name, "ready": holder.ready, "error": holder.error,
                      "labels": holder.labels, **holder.info},
            "available": [{k: r[k] for k in ("name", "lang", "kind", "version")} for r in available()],
            "limits": {"max_body_bytes": max_body_bytes, "max_texts": max_texts,
                       "timeout_s": timeout_s, "batch_size": batch_size,
                       "batch_wait_ms": batch_wait_ms, "max_queue_texts": max_queue_texts},
            "batching": batcher.stats.as_dict(),
        }

    # ----- docs, served from the app's own files -------------------------------------------
    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        if not docs_assets:
            return HTMLResponse(page.docs_unavailable("Swagger UI"), status_code=200)
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title="clinical-ner API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        if not docs_assets:
            return HTMLResponse(page.docs_unavailable("ReDoc"), status_code=200)
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title="clinical-ner API",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False,
        )

    @app.get("/docs-assets/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in docs_assets:
            raise ApiError(404, "not_found", f"no docs asset {name!r}")
        content, media_type = docs_assets[name]
        return Response(content, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=86400"})

    # ----- the demo page ---------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def demo() -> HTMLResponse:
        return HTMLResponse(page.INDEX_HTML, headers=page.SECURITY_HEADERS)

    @app.get("/assets/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in page.ASSETS:
            raise ApiError(404, "not_found", f"no asset {name!r}")
        content, media_type = page.ASSETS[name]
        return Response(content, media_type=media_type, headers=page.SECURITY_HEADERS)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(page.FAVICON_SVG, media_type="image/svg+xml")

    return app
