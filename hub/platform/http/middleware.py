"""The request context as plain ASGI middleware: request id, metrics, ``x-request-id``.

Every request gets an id (the caller's ``x-request-id``, else a fresh one), kept in
:data:`hub.platform.observability.request_id_var` while the request runs (log lines and audit rows
carry it) and echoed in the response's ``x-request-id`` header; on the way out the
request is counted and timed per route template.

Why plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
runs the rest of the application in a task of its own and streams the response back
through memory channels, which costs more CPU per request than the endpoint of a small
API call. This wrapper only looks at the response's start message.
"""

from __future__ import annotations

import os
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.platform.observability import HTTP_LATENCY, HTTP_REQUESTS, request_id_var

REQUEST_ID = b"x-request-id"


class RequestContext:
    """Set the request id, echo it, count and time the request (HTTP only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _header(scope, REQUEST_ID) or os.urandom(16).hex()  # 32 hex digits, no UUID object
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = rid
            await send(message)

        # why: no try/finally. When the app raises, the id stays set for the 500 handler
        # outside this middleware (its body quotes the id); the request's task ends anyway.
        await self.app(scope, receive, send_with_id)
        request_id_var.reset(token)
        route = getattr(scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
        HTTP_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case, as ASGI servers pass them)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
