"""ASGI middlewares: the request body limit (413) and an access log without note text."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

# A body over the limit is still read (and thrown away) up to this many times the limit,
# so the client gets the 413 instead of a connection reset in the middle of its upload.
_DRAIN_FACTOR = 16


class BodySizeLimit:
    """Answers 413 to a request whose body is over ``max_body_bytes``, before the app sees
    it. The body is buffered (it is at most ``max_body_bytes``) and replayed to the app."""

    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        limit = self.max_body_bytes
        if declared is not None and declared > limit * _DRAIN_FACTOR:
            await self._reject(send, declared)  # too large to drain: answer, let it close
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size <= limit:
                chunks.append(body)
            elif size > limit * _DRAIN_FACTOR:
                break
            more = message.get("more_body", False)
        if size > limit:
            await self._reject(send, declared if declared is not None else size)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Any, size: int) -> None:
        payload = json.dumps({
            "error": "payload_too_large",
            "message": f"the request body is {size} bytes; the limit is {self.max_body_bytes} "
            "bytes: send fewer or shorter texts per request (or start the service with a "
            "larger --max-body-bytes)",
        }).encode("utf-8")
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class HeadAsGet:
    """``HEAD`` wherever ``GET`` is: the request runs as ``GET`` and the body is dropped
    (the headers, ``Content-Length`` included, stay those of the ``GET`` answer)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class RequestLog:
    """One INFO line per request: method, path (never the query string), status, request
    and response bytes, milliseconds. No header, query or body content is logged."""

    def __init__(self, app: Any, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        sent = 0
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            self.logger.info(
                "%s %s %d in=%dB out=%dB %.1fms", safe_log_field(scope["method"], 16),
                safe_log_field(scope["path"], 80), status,
                received, sent, (time.perf_counter() - started) * 1000,
            )


def safe_log_field(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters with every control character (newline, NUL,
    escape...) written as ``\\xNN``/``\\uNNNN``, so a client cannot forge log lines
    ("GET /x%0aINFO ... 200 FORGED") or hide in the log."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in str(value)[:limit]
    )
