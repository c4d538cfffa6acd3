"""SQL for hub alerts: raise once per key, resolve, acknowledge, list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from lms_core.persistence.integration.alert_models import HubAlert


def raise_once(
    session: Session,
    *,
    tenant_id: int,
    kind: str,
    key: str,
    subject: str,
    detail: str,
    now: datetime,
    counterpart_id: int | None = None,
) -> int | None:
    """Insert the alert unless ``key`` was raised before; return the new id or None."""
    stmt = (
        insert(HubAlert)
        .values(
            tenant_id=tenant_id,
            kind=kind,
            key=key,
            subject=subject,
            detail=detail,
            raised_at=now,
            counterpart_id=counterpart_id,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
        .returning(HubAlert.id)
    )
    return session.scalar(stmt)


def resolve(session: Session, tenant_id: int, key: str, resolution: str, now: datetime) -> bool:
    """Mark the open alert ``key`` resolved; return whether one was open."""
    done = session.execute(
        update(HubAlert)
        .where(HubAlert.tenant_id == tenant_id, HubAlert.key == key)
        .where(HubAlert.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution)
    )
    return done.rowcount > 0


def acknowledge(
    session: Session, tenant_id: int, alert_id: int, who: str, now: datetime
) -> HubAlert | None:
    row = session.get(HubAlert, alert_id)
    if row is None or row.tenant_id != tenant_id:
        return None
    if row.acknowledged_at is None:
        row.acknowledged_by, row.acknowledged_at = who, now
        session.flush()
    return row


def listing(session: Session, tenant_id: int, open_only: bool, limit: int = 200) -> list[HubAlert]:
    query = select(HubAlert).where(HubAlert.tenant_id == tenant_id)
    if open_only:
        query = query.where(HubAlert.resolved_at.is_(None))
    return list(session.scalars(query.order_by(HubAlert.raised_at.desc()).limit(limit)))
