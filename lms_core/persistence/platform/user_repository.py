"""SQL for staff and partner-client users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_core.persistence.platform.models import AppUser, Tenant


def create_user(
    session: Session,
    tenant_id: int,
    username: str,
    password_hash: str,
    roles: list[str],
    full_name: str = "",
) -> AppUser:
    user = AppUser(
        tenant_id=tenant_id,
        username=username,
        password_hash=password_hash,
        roles=sorted(roles),
        full_name=full_name,
    )
    session.add(user)
    session.flush()
    return user


def by_username(session: Session, tenant_id: int, username: str) -> AppUser | None:
    return session.scalar(
        select(AppUser).where(AppUser.tenant_id == tenant_id, AppUser.username == username)
    )


def by_id(session: Session, user_id: int) -> AppUser | None:
    return session.get(AppUser, user_id)


def list_users(session: Session, tenant_id: int) -> list[AppUser]:
    return list(
        session.scalars(select(AppUser).where(AppUser.tenant_id == tenant_id).order_by(AppUser.id))
    )


def accounts_named(session: Session, username: str) -> list[tuple[AppUser, Tenant]]:
    """Every active account called ``username``, in any tenant, with its tenant (by code)."""
    rows = session.execute(
        select(AppUser, Tenant)
        .join(Tenant, Tenant.id == AppUser.tenant_id)
        .where(AppUser.username == username, AppUser.active.is_(True))
        .order_by(Tenant.code)
    )
    return [(user, tenant) for user, tenant in rows]
