"""Administration: users, the business date, the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Permission, Role
from hub.platform.auth.security import Principal, hash_password
from hub.platform.errors import Conflict
from hub.platform.http.deps import audit, get_session, require
from lms_core.persistence.platform import audit_repository, tenant_repository, user_repository

router = APIRouter(tags=["admin"])


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=100, pattern=r"^[a-z0-9_.-]+$")
    password: str = Field(min_length=10, max_length=200)
    full_name: str = ""
    roles: list[Role] = Field(min_length=1)


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    roles: list[str]
    active: bool


class BusinessDateOut(BaseModel):
    tenant: str
    business_date: date


class AuditOut(BaseModel):
    id: int
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    at: datetime


@router.get("/users", response_model=list[UserOut], summary="Users of my tenant")
def list_users(
    principal: Principal = Depends(require(Permission.USER_ADMIN)),
    session: Session = Depends(get_session, scope="function"),
) -> list[UserOut]:
    return [
        UserOut(id=u.id, username=u.username, full_name=u.full_name, roles=u.roles, active=u.active)
        for u in user_repository.list_users(session, principal.tenant_id)
    ]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user")
def create_user(
    body: UserIn,
    principal: Principal = Depends(require(Permission.USER_ADMIN)),
    session: Session = Depends(get_session, scope="function"),
) -> UserOut:
    if user_repository.by_username(session, principal.tenant_id, body.username):
        raise Conflict(f"user {body.username!r} exists")
    try:
        user = user_repository.create_user(
            session,
            principal.tenant_id,
            body.username,
            hash_password(body.password),
            [str(r) for r in body.roles],
            body.full_name,
        )
    except IntegrityError:
        raise Conflict(f"user {body.username!r} exists") from None
    after = {"username": user.username, "roles": user.roles, "full_name": user.full_name}
    audit(session, principal, "user.create", "user", user.id, None, after)
    return UserOut(
        id=user.id, username=user.username, full_name=user.full_name, roles=user.roles, active=True
    )


@router.get("/business-date", response_model=BusinessDateOut, summary="My tenant's business date")
def business_date(
    principal: Principal = Depends(require(Permission.AUTHENTICATED)),
    session: Session = Depends(get_session, scope="function"),
) -> BusinessDateOut:
    return BusinessDateOut(
        tenant=principal.tenant_code,
        business_date=tenant_repository.business_date(session, principal.tenant_id),
    )


@router.get("/audit", response_model=list[AuditOut], summary="Audit log, newest first")
def audit_log(
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
    principal: Principal = Depends(require(Permission.AUDIT_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[AuditOut]:
    rows = audit_repository.entries(
        session,
        principal.tenant_id,
        entity_type=entity_type,
        entity_id=entity_id,
        limit=min(limit, 1000),
        offset=offset,
    )
    return [
        AuditOut(
            id=r.id,
            actor=r.actor,
            action=r.action,
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            before=r.before,
            after=r.after,
            request_id=r.request_id,
            at=r.at,
        )
        for r in rows
    ]
