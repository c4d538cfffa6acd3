"""SQL for tenants, branches, the business date and tenant holidays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms_core.persistence.platform.models import Branch, BusinessDate, Tenant, TenantHoliday


def create_tenant(
    session: Session,
    code: str,
    name: str,
    business_date: date,
    base_currency: str = "INR",
    holiday_subdivision: str | None = None,
) -> Tenant:
    """Create a tenant with its business date row; return it."""
    tenant = Tenant(
        code=code, name=name, base_currency=base_currency, holiday_subdivision=holiday_subdivision
    )
    session.add(tenant)
    session.flush()
    session.add(BusinessDate(tenant_id=tenant.id, current=business_date))
    session.flush()
    return tenant


def by_code(session: Session, code: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.code == code))


def by_id(session: Session, tenant_id: int) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def all_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.id)))


def add_branch(
    session: Session, tenant_id: int, code: str, name: str, state: str | None = None
) -> Branch:
    branch = Branch(tenant_id=tenant_id, code=code, name=name, state=state)
    session.add(branch)
    session.flush()
    return branch


def business_date(session: Session, tenant_id: int, *, lock: bool = False) -> date:
    """Return the tenant's business date (``lock`` holds the row until commit)."""
    stmt = select(BusinessDate.current).where(BusinessDate.tenant_id == tenant_id)
    if lock:
        stmt = stmt.with_for_update()
    value = session.scalar(stmt)
    if value is None:
        raise LookupError(f"tenant {tenant_id} has no business date")
    return value


def set_business_date(session: Session, tenant_id: int, expected: date, new: date) -> None:
    """Move the business date from ``expected`` to ``new``; refuses a concurrent move."""
    result = session.execute(
        update(BusinessDate)
        .where(BusinessDate.tenant_id == tenant_id, BusinessDate.current == expected)
        .values(current=new)
    )
    if result.rowcount != 1:
        raise RuntimeError(f"business date of tenant {tenant_id} is no longer {expected}")


def holidays(session: Session, tenant_id: int) -> list[date]:
    return list(
        session.scalars(select(TenantHoliday.day).where(TenantHoliday.tenant_id == tenant_id))
    )


def add_holiday(session: Session, tenant_id: int, day: date, name: str) -> None:
    session.merge(TenantHoliday(tenant_id=tenant_id, day=day, name=name))
