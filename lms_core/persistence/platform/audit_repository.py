"""SQL for the audit log: append with a per-tenant hash chain, read, and verify the chain.

Each row's ``hash`` covers its content and the previous row's hash, so removing or
editing a row (even by a database superuser bypassing the append-only trigger) breaks
the chain at that point, which :func:`verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from lms_core.persistence.platform.models import AuditLog

GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _content(row: AuditLog | dict[str, Any]) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    keys = (
        "tenant_id",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
        "request_id",
    )
    return {k: get(k) for k in keys}


def append(
    session: Session,
    tenant_id: int,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict | None,
    after: dict | None,
    request_id: str | None = None,
) -> AuditLog:
    """Append one audit row, chained to the tenant's previous row."""
    # One writer at a time per tenant extends the chain; held until the transaction ends.
    session.execute(text("select pg_advisory_xact_lock(7001, :t)"), {"t": tenant_id})
    prev = (
        session.scalar(
            select(AuditLog.hash)
            .where(AuditLog.tenant_id == tenant_id)
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
        or GENESIS
    )
    fields = {
        "tenant_id": tenant_id,
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        "request_id": request_id,
    }
    row = AuditLog(**fields, prev_hash=prev, hash=_digest(prev, _jsonable(fields)))
    session.add(row)
    session.flush()
    return row


def append_many(session: Session, tenant_id: int, rows: list[dict[str, Any]]) -> None:
    """Append several audit rows (each with actor, action, entity_type, entity_id, before,
    after, request_id), chained in the given order: one lock, one read, one insert."""
    if not rows:
        return
    session.execute(text("select pg_advisory_xact_lock(7001, :t)"), {"t": tenant_id})
    prev = (
        session.scalar(
            select(AuditLog.hash)
            .where(AuditLog.tenant_id == tenant_id)
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
        or GENESIS
    )
    values = []
    for row in rows:
        fields = {**row, "tenant_id": tenant_id, "entity_id": str(row["entity_id"])}
        digest = _digest(prev, _jsonable(fields))
        values.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(insert(AuditLog), values)


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so the digest matches what JSONB gives back later.
    return json.loads(json.dumps(fields, default=str))


def entries(
    session: Session,
    tenant_id: int,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditLog]:
    stmt = select(AuditLog).where(AuditLog.tenant_id == tenant_id)
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    return list(session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)))


def count(session: Session, tenant_id: int) -> int:
    return session.scalar(select(func.count()).where(AuditLog.tenant_id == tenant_id)) or 0


def verify_chain(session: Session) -> list[str]:
    """Return the audit rows whose hash does not follow from their content and predecessor."""
    problems: list[str] = []
    last: dict[int, str] = {}
    for row in session.scalars(select(AuditLog).order_by(AuditLog.id)).yield_per(1000):
        prev = last.get(row.tenant_id, GENESIS)
        if row.prev_hash != prev or row.hash != _digest(prev, _content(row)):
            problems.append(f"audit chain broken at row {row.id} (tenant {row.tenant_id})")
        last[row.tenant_id] = row.hash
    return problems
