"""Mount the dashboard on the API app: static files, page routers, navigation, errors.

``install_web(app)`` is the one call in :func:`hub.app.api.create_app`. Page routers
are included without OpenAPI entries (the API schema stays the API's). Errors raised
on ``/ui`` paths render as HTML pages; elsewhere the API's problem JSON is unchanged.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.platform import registry
from hub.platform import web as web_shell
from hub.platform.errors import SangamError
from hub.platform.web.deps import CsrfRejected, LoginRequired, PageForbidden
from hub.platform.web.render import render_bare, use_template_dirs

UI = "/ui"
# why: pages are same-origin only; no inline script, no framing, no third-party assets
_SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def install_web(app: FastAPI) -> None:
    """Add the dashboard (pages under /ui, ``/`` redirecting there) to ``app``."""
    static = Path(web_shell.__file__).parent / "static"
    app.mount(f"{UI}/static", StaticFiles(directory=static), name="web-static")
    use_template_dirs(registry.template_dirs())
    modules = registry.page_modules()
    app.state.web_nav = [entry for module in modules for entry in module.NAV]
    for module in modules:
        app.include_router(module.router, prefix=UI, include_in_schema=False)
    app.add_api_route("/", _root, include_in_schema=False)
    _install_error_pages(app)
    _install_headers(app)


def _root() -> RedirectResponse:
    return RedirectResponse(f"{UI}/", status_code=307)


def _is_page(request: Request) -> bool:
    return request.url.path == UI or request.url.path.startswith(f"{UI}/")


def _install_error_pages(app: FastAPI) -> None:
    api_handler = app.exception_handlers.get(SangamError)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        target = request.url.path if request.method == "GET" else f"{UI}/"
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"{UI}/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def forbidden(request: Request, exc: PageForbidden):
        return render_bare(request, "error.html", 403, title="Not allowed", detail=str(exc))

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected):
        detail = "the form was stale or not sent from this dashboard; reload the page and retry"
        return render_bare(request, "error.html", 403, title="Form rejected", detail=detail)

    @app.exception_handler(SangamError)
    async def sangam_error(request: Request, exc: SangamError):
        if not _is_page(request) and api_handler is not None:
            return await api_handler(request, exc)
        return render_bare(
            request, "error.html", exc.status_code, title=exc.title, detail=exc.detail
        )


def _install_headers(app: FastAPI) -> None:
    app.add_middleware(_PageHeaders)


class _PageHeaders:
    """Add the security headers to page responses. Plain ASGI, not ``@app.middleware``:
    it runs on every API request too, where Starlette's BaseHTTPMiddleware costs more
    CPU than a small endpoint (see hub/platform/http/middleware.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if not (path == UI or path.startswith(f"{UI}/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith(f"{UI}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    if not (static and name == "cache-control"):  # the stylesheet may be cached
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
