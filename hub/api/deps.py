"""Request-scoped dependencies: the database session, the caller and their permission.

The session commits when the endpoint returns normally and rolls back otherwise;
services never commit. Every endpoint declares its permission with
``Depends(require(Permission.X))``; :func:`declared_permission` lets a test check that
no endpoint forgot to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from hub.auth.permissions import Permission, permissions_of
from hub.auth.security import Principal, decode_token
from hub.errors import Forbidden, Unauthorized
from hub.observability import request_id_var
from lms_core.persistence import audit_repository

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def require(permission: Permission) -> Callable[..., Principal]:
    """Return a dependency that authenticates the caller and checks ``permission``."""

    def dependency(request: Request, token: str | None = Depends(oauth2_scheme)) -> Principal:
        if not token:
            raise Unauthorized("a bearer token is required", extra={"headers": "WWW-Authenticate"})
        try:
            principal = decode_token(token, request.app.state.settings.jwt_secret_value())
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None
        if permission not in permissions_of(principal.roles):
            raise Forbidden(f"permission {permission} is required")
        request.state.principal = principal
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def declared_permission(call: Callable[..., Any]) -> Permission | None:
    return getattr(call, "permission", None)


def audit(
    session: Session,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Record a write in the audit log, in the same transaction as the write."""
    audit_repository.append(
        session,
        principal.tenant_id,
        principal.username,
        action,
        entity_type,
        str(entity_id),
        before,
        after,
        request_id_var.get(),
    )
