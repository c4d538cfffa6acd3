"""The FastAPI application factory: middleware, error rendering, the modules' routers and
pages (``hub/modules.py``), probes and metrics."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.orm import Session, sessionmaker

from hub.app.web import install_web
from hub.platform import registry
from hub.platform.config import Settings
from hub.platform.errors import SangamError, ServiceUnavailable
from hub.platform.http.middleware import RequestContext
from hub.platform.observability import REGISTRY, request_id_var
from lms_core.persistence.platform import health_repository

log = logging.getLogger("sangam.api")
PROBLEM = "application/problem+json"


def create_app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    """Return the API wired to ``session_factory`` (a real database; tests pass theirs)."""
    app = FastAPI(
        title="Sangam API",
        version="0.1.0",
        description="Loan origination, servicing and integration hub for Indian lenders.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    _install_middleware(app)
    _install_error_handlers(app)
    _install_probes(app)
    _include_routers(app)
    install_web(app)  # the dashboard under /ui (hub/app/web.py, docs/WEB.md)
    return app


def _include_routers(app: FastAPI) -> None:
    for router in registry.routers():
        app.include_router(router, prefix="/api/v1")


def _install_middleware(app: FastAPI) -> None:
    app.add_middleware(RequestContext)  # request id, metrics (hub/platform/http/middleware.py)


def _problem(status: int, body: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SangamError)
    async def sangam_error(request: Request, exc: SangamError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        body = exc.to_problem(instance=request.url.path)
        body.pop("headers", None)
        return _problem(exc.status_code, body, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
            for err in exc.errors()
        ]
        body = {
            "type": "https://sangam.dev/problems/invalid-input",
            "title": "Invalid input",
            "status": 422,
            "code": "invalid_input",
            "detail": f"{len(errors)} problem(s) in the request",
            "instance": request.url.path,
            "errors": errors,
        }
        return _problem(422, body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        body = {
            "type": "https://sangam.dev/problems/internal",
            "title": "Internal error",
            "status": 500,
            "code": "internal",
            "detail": "an unexpected error occurred; quote the request id to support",
            "request_id": request_id_var.get(),
        }
        return _problem(500, body)


def _install_probes(app: FastAPI) -> None:
    @app.get("/health", tags=["probes"], summary="Liveness: the process answers")
    async def health() -> dict[str, str]:  # no I/O: answered on the event loop
        return {"status": "ok"}

    @app.get("/ready", tags=["probes"], summary="Readiness: the database answers")
    def ready() -> dict[str, str]:
        try:
            with app.state.session_factory() as session:
                health_repository.ping(session)
        except Exception as exc:  # any failure means not ready
            raise ServiceUnavailable(f"database not reachable: {type(exc).__name__}") from None
        return {"status": "ready"}

    @app.get("/metrics", tags=["probes"], summary="Prometheus metrics")
    def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
