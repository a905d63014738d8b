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

The parts: :mod:`~clinical_ner.server.schemas` (request and response bodies),
:mod:`~clinical_ner.server.holder` (the model, its batcher, the limits),
:mod:`~clinical_ner.server.routes` (the endpoints and error answers) and
:mod:`~clinical_ner.server.limits` (the ASGI middleware); :func:`create_app` assembles them.
``ModelHolder``, ``ApiError``, the schemas and the ``DEFAULT_*`` limits stay importable from
here.

The service never logs note text: its access log (this module's, uvicorn's is off) has the
method, path without query, status, byte counts and duration only.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from clinical_ner import __version__
from clinical_ner.pipeline import PipelineModel
from clinical_ner.server.holder import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_TEXTS,
    DEFAULT_TIMEOUT_S,
    ModelHolder,
    Service,
    ServiceLimits,
)
from clinical_ner.server.limits import BodySizeLimit, HeadAsGet, RequestLog
from clinical_ner.server.routes import ApiError, add_error_handlers, router
from clinical_ner.server.schemas import (
    AnnotateRequest,
    AnnotateResponse,
    AssertionStatus,
    Entity,
    ErrorResponse,
    Span,
    TextResult,
)

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_TEXTS",
    "DEFAULT_TIMEOUT_S",
    "AnnotateRequest",
    "AnnotateResponse",
    "ApiError",
    "AssertionStatus",
    "Entity",
    "ErrorResponse",
    "ModelHolder",
    "Span",
    "TextResult",
    "create_app",
]


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
    batch_size: int = ServiceLimits.batch_size,
    batch_wait_ms: float = ServiceLimits.batch_wait_ms,
    max_queue_texts: int = ServiceLimits.max_queue_texts,
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
    limits = ServiceLimits(max_body_bytes=max_body_bytes, max_texts=max_texts, timeout_s=timeout_s,
                           batch_size=batch_size, batch_wait_ms=batch_wait_ms,
                           max_queue_texts=max_queue_texts)
    holder = ModelHolder(model, batch_size)
    if model_name:
        holder.name = model_name
    service = Service(holder, limits, _offline_docs_assets())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await service.start()
        try:
            yield
        finally:
            await service.stop()

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
    app.state.service = service
    app.state.holder = holder
    app.state.batcher = service.batcher
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestLog, logger=logging.getLogger("clinical_ner.server"))
    add_error_handlers(app)
    app.include_router(router)
    return app
