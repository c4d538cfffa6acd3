"""Small factories with keyword defaults for tests."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Role
from hub.platform.auth.security import Principal, hash_password, issue_token
from hub.platform.tenants import create_tenant
from lms_core.persistence.platform import user_repository
from lms_core.persistence.platform.models import AppUser, Tenant

_seq = itertools.count(1)
TEST_SECRET = "test-secret-not-for-production-0123456789"
_HASHES: dict[str, str] = {}


def make_tenant(
    session: Session, *, code: str | None = None, business_date: date = date(2024, 1, 1)
) -> Tenant:
    code = code or f"t{next(_seq)}"
    return create_tenant(session, code, f"Tenant {code}", business_date)


def make_user(
    session: Session,
    tenant: Tenant,
    *,
    username: str | None = None,
    roles: tuple[Role, ...] = (Role.ADMIN,),
    password: str = "correct horse battery",
) -> AppUser:
    # argon2 is slow on purpose; hash each distinct test password once.
    hashed = _HASHES.setdefault(password, hash_password(password))
    return user_repository.create_user(
        session, tenant.id, username or f"user{next(_seq)}", hashed, [str(r) for r in roles]
    )


def principal_of(user: AppUser, tenant: Tenant) -> Principal:
    return Principal(user.id, user.username, tenant.id, tenant.code, tuple(user.roles))


def token_for(user: AppUser, tenant: Tenant, secret: str = TEST_SECRET) -> str:
    return issue_token(principal_of(user, tenant), secret, 60)


def auth_header(user: AppUser, tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, tenant)}"}
