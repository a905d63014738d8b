"""The endpoints of the REST service and its error answers.

Every route reads the :class:`~clinical_ner.server.holder.Service` from
``request.app.state.service``; :func:`clinical_ner.server.app.create_app` puts it there.
Errors are JSON ``{"error": CODE, "message": TEXT}`` (:class:`ApiError` and the handlers
of :func:`add_error_handlers`); no answer and no log line quotes note text.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from clinical_ner.errors import ClinicalNerError
from clinical_ner.records import text_record
from clinical_ner.server import page
from clinical_ner.server.batching import QueueFullError
from clinical_ner.server.holder import Service
from clinical_ner.server.schemas import (
    ANNOTATE_ERRORS,
    AnnotateRequest,
    AnnotateResponse,
    ErrorResponse,
)

logger = logging.getLogger("clinical_ner.server")


class ApiError(ClinicalNerError):
    """An error answer: HTTP ``status``, a stable ``code`` and a message that says what to do."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


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


def add_error_handlers(app: FastAPI) -> None:
    """Answer API errors, HTTP errors and schema errors as JSON ``{"error", "message"}``."""

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


def _service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(_service)]

router = APIRouter()


# ----- the API ----------------------------------------------------------------------------
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


def _is_encodable(text: str) -> bool:
    """Whether ``text`` is Unicode text UTF-8 can carry (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _raise_not_ready(service: Service) -> None:
    if service.holder.error:
        raise ApiError(503, "model_failed", f"the model failed to load: {service.holder.error}")
    raise ApiError(503, "not_ready", "the model is still loading; retry when GET /readyz "
                   "answers 200", {"Retry-After": "2"})


@router.post("/v1/annotate", response_model=AnnotateResponse, responses=ANNOTATE_ERRORS,
             summary="Entities of one or more notes")
async def annotate(body: AnnotateRequest, service: ServiceDep) -> JSONResponse:
    holder, limits = service.holder, service.limits
    texts = [body.text] if body.text is not None else list(body.texts or [])
    for index, text in enumerate(texts):
        if not _is_encodable(text):
            raise ApiError(400, "invalid_text",
                           f"text {index} holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                           "which is not Unicode text; send the note as UTF-8 characters")
    if len(texts) > limits.max_texts:
        raise ApiError(422, "too_many_texts",
                       f"{len(texts)} texts in one request; the limit is {limits.max_texts}: "
                       "send them in several requests")
    if not holder.ready:
        _raise_not_ready(service)
    if body.labels is not None and holder.labels:
        unknown = sorted(set(body.labels) - set(holder.labels))
        if unknown:
            raise ApiError(422, "unknown_label",
                           f"unknown labels {unknown}; this model's labels are {holder.labels}")
    try:
        results = await asyncio.wait_for(
            service.batcher.submit(texts, lambda rows: _convert(body, rows)), limits.timeout_s
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
    except asyncio.TimeoutError:
        # What wait_for raises: before Python 3.11 a class of its own, not the builtin
        # TimeoutError (an alias of it from 3.11).
        raise ApiError(504, "timeout",
                       f"no answer within {limits.timeout_s:g} s; send fewer or shorter texts, "
                       "or start the service with a longer --timeout") from None
    except Exception as exc:
        # The type and the stack only: an exception message may quote the input.
        logger.error("annotation failed: %s\n%s", type(exc).__name__,
                     "".join(traceback.format_tb(exc.__traceback__)))
        raise ApiError(500, "internal_error",
                       f"the pipeline failed ({type(exc).__name__}); see the service log") from None
    return JSONResponse({"model": holder.name, "results": results})


@router.get("/healthz", summary="The process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The model is loaded", responses={503: {"model": ErrorResponse}})
async def readyz(service: ServiceDep) -> JSONResponse:
    holder = service.holder
    if holder.ready:
        return JSONResponse({"status": "ready", "model": holder.name})
    if holder.error:
        return _error(503, "model_failed", f"the model failed to load: {holder.error}")
    return _error(503, "not_ready", "the model is still loading")


@router.get("/v1/models", summary="The loaded model, the offline resources, the limits")
async def models(service: ServiceDep) -> dict[str, Any]:
    from clinical_ner.resources import available

    holder = service.holder
    return {
        "model": {"name": holder.name, "ready": holder.ready, "error": holder.error,
                  "labels": holder.labels, **holder.info},
        "available": [{k: r[k] for k in ("name", "lang", "kind", "version")} for r in available()],
        "limits": service.limits.as_dict(),
        "batching": service.batcher.stats.as_dict(),
    }


# ----- docs, served from the app's own files -----------------------------------------------
def _docs_page(request: Request, service: Service, tool: str,
               render: Callable[..., HTMLResponse], **assets: Any) -> HTMLResponse:
    """``tool``'s page (``render`` is FastAPI's page function, ``assets`` its URLs under
    /docs-assets), or a page that says how to install it when its files are missing."""
    if not service.docs_assets:
        return HTMLResponse(page.docs_unavailable(tool), status_code=200)
    return render(openapi_url=request.app.openapi_url or "/openapi.json",
                  title="clinical-ner API", **assets)


@router.get("/docs", include_in_schema=False)
async def swagger_ui(request: Request, service: ServiceDep) -> HTMLResponse:
    return _docs_page(request, service, "Swagger UI", get_swagger_ui_html,
                      swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                      swagger_css_url="/docs-assets/swagger-ui.css",
                      swagger_favicon_url="/docs-assets/favicon.png")


@router.get("/redoc", include_in_schema=False)
async def redoc(request: Request, service: ServiceDep) -> HTMLResponse:
    return _docs_page(request, service, "ReDoc", get_redoc_html,
                      redoc_js_url="/docs-assets/redoc.standalone.js",
                      redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False)


@router.get("/docs-assets/{name}", include_in_schema=False)
async def docs_asset(name: str, service: ServiceDep) -> Response:
    if name not in service.docs_assets:
        raise ApiError(404, "not_found", f"no docs asset {name!r}")
    content, media_type = service.docs_assets[name]
    return Response(content, media_type=media_type,
                    headers={"Cache-Control": "public, max-age=86400"})


# ----- the demo page -------------------------------------------------------------------------
@router.get("/", include_in_schema=False)
async def demo() -> HTMLResponse:
    return HTMLResponse(page.INDEX_HTML, headers=page.SECURITY_HEADERS)


@router.get("/assets/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in page.ASSETS:
        raise ApiError(404, "not_found", f"no asset {name!r}")
    content, media_type = page.ASSETS[name]
    return Response(content, media_type=media_type, headers=page.SECURITY_HEADERS)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response(page.FAVICON_SVG, media_type="image/svg+xml")
