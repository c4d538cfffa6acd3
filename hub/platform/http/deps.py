"""Request-scoped dependencies: the database session, the caller and their permission.

The session commits when the endpoint returns normally and rolls back otherwise;
services never commit. Every endpoint declares its permission with
``Depends(require(Permission.X))``; :func:`declared_permission` lets a test check that
no endpoint forgot to.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from hub.platform.audit import record
from hub.platform.auth.permissions import Permission, permissions_of
from hub.platform.auth.security import Principal, verify_token
from hub.platform.errors import Forbidden, Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session; it commits when the endpoint returns normally.

    Always depend on it as ``Depends(get_session, scope="function")``: the commit then
    happens *before* the response is sent, so a 2xx means committed (a read right after
    sees the row) and a failed commit answers 5xx, never a 2xx. (FastAPI's default scope
    for a yield dependency ends it after the response is sent.)
    """
    with _transaction(request.app.state.session_factory) as session:
        yield session


@contextmanager
def session_scope(app: Any) -> Iterator[Session]:
    """A session in a transaction of its own, as :func:`get_session` gives an endpoint,
    for an endpoint that needs one only sometimes (opened when asked for, in the thread
    that uses it). An override of ``get_session`` (the tests bind one session) is used
    instead when the app has one; it is called without arguments."""
    override = app.dependency_overrides.get(get_session)
    if override is not None and inspect.isgeneratorfunction(override):
        with contextmanager(override)() as session:
            yield session
        return
    if override is not None:
        yield override()
        return
    with _transaction(app.state.session_factory) as session:
        yield session


@contextmanager
def _transaction(factory: Callable[[], Session]) -> Iterator[Session]:
    """Commit when the block ends normally, roll back otherwise; always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """Return a dependency that authenticates the caller and checks ``permission``.

    The dependency is ``async`` on purpose: it does no I/O (the token is checked in
    memory, :func:`hub.platform.auth.security.verify_token`), so it runs on the event loop instead
    of costing a hop to the thread pool on every request.
    """

    async def dependency(request: Request, token: str | None = Depends(oauth2_scheme)) -> Principal:
        if not token:
            raise Unauthorized("a bearer token is required", extra={"headers": "WWW-Authenticate"})
        try:
            principal = verify_token(token, jwt_secret(request.app))
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None
        if permission not in permissions_of(principal.roles):
            raise Forbidden(f"permission {permission} is required")
        request.state.principal = principal
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def jwt_secret(app: Any) -> str:
    """The app's JWT signing secret, read once per settings object (when it lives in the
    data folder, reading it is a file read, which the event loop should not do per call)."""
    cached = getattr(app.state, "jwt_secret", None)
    settings = app.state.settings
    if cached is None or cached[0] is not settings:
        cached = (settings, settings.jwt_secret_value())
        app.state.jwt_secret = cached
    return cached[1]


def declared_permission(call: Callable[..., Any]) -> Permission | None:
    return getattr(call, "permission", None)


# Routes record writes with ``audit`` (the same function services use).
audit = record
