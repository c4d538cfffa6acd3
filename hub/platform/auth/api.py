"""OAuth2 password flow: staff sign in as ``tenant/username``.

A bare ``username`` means the default tenant (``SANGAM_DEFAULT_TENANT``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Permission, permissions_of
from hub.platform.auth.security import Principal, issue_token, verify_password
from hub.platform.errors import Unauthorized
from hub.platform.http.deps import get_session, require
from lms_core.persistence.platform import tenant_repository, user_repository

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    username: str
    tenant: str
    roles: list[str]
    permissions: list[str]


def authenticate(session: Session, login: str, password: str, default_tenant: str) -> Principal:
    """Return the principal for ``login`` ("tenant/user" or "user"); raises Unauthorized."""
    tenant_code, _, username = login.rpartition("/")
    tenant = tenant_repository.by_code(session, tenant_code or default_tenant)
    user = tenant and user_repository.by_username(session, tenant.id, username)
    if not user or not user.active or not verify_password(user.password_hash, password):
        raise Unauthorized("unknown user or wrong password")
    return Principal(user.id, user.username, tenant.id, tenant.code, tuple(user.roles))


@router.post("/auth/token", response_model=Token, summary="Sign in (OAuth2 password flow)")
def token(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: Session = Depends(get_session, scope="function"),
) -> Token:
    settings = request.app.state.settings
    principal = authenticate(session, form.username, form.password, settings.default_tenant)
    jwt_token = issue_token(principal, settings.jwt_secret_value(), settings.jwt_ttl_minutes)
    return Token(access_token=jwt_token, expires_in=settings.jwt_ttl_minutes * 60)


@router.get("/auth/me", response_model=Me, summary="Who am I")
def me(principal: Principal = Depends(require(Permission.AUTHENTICATED))) -> Me:
    return Me(
        username=principal.username,
        tenant=principal.tenant_code,
        roles=list(principal.roles),
        permissions=sorted(permissions_of(principal.roles)),
    )
