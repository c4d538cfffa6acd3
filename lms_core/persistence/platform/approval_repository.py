"""SQL for dual control: approval requests, checkers' decisions and the tenant's policy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_core.approvals import ApprovalStatus
from lms_core.persistence.platform.approval_models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
)


def add_request(session: Session, **values: Any) -> ApprovalRequest:
    row = ApprovalRequest(**values)
    session.add(row)
    session.flush()
    return row


def get_request(
    session: Session, tenant_id: int, request_id: int, *, lock: bool = False
) -> ApprovalRequest | None:
    """Return the tenant's request ``request_id`` (row-locked with ``lock``), or None."""
    stmt = select(ApprovalRequest).where(
        ApprovalRequest.tenant_id == tenant_id, ApprovalRequest.id == request_id
    )
    return session.scalar(stmt.with_for_update() if lock else stmt)


def pending_for(
    session: Session, tenant_id: int, action: str, subject_type: str, subject_id: str
) -> ApprovalRequest | None:
    """Return the pending request for this action on this subject, if there is one."""
    return session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.tenant_id == tenant_id,
            ApprovalRequest.action == action,
            ApprovalRequest.subject_type == subject_type,
            ApprovalRequest.subject_id == subject_id,
            ApprovalRequest.status == ApprovalStatus.PENDING,
        )
    )


def latest_for(
    session: Session, tenant_id: int, subject_type: str, subject_id: str, *, lock: bool = False
) -> ApprovalRequest | None:
    """Return the newest request on this subject (any action), or None."""
    stmt = (
        select(ApprovalRequest)
        .where(
            ApprovalRequest.tenant_id == tenant_id,
            ApprovalRequest.subject_type == subject_type,
            ApprovalRequest.subject_id == subject_id,
        )
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )
    return session.scalar(stmt.with_for_update() if lock else stmt)


def requests(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    actions: tuple[str, ...] | None = None,
    limit: int = 200,
) -> list[ApprovalRequest]:
    """Return the tenant's requests, oldest first, optionally filtered."""
    stmt = select(ApprovalRequest).where(ApprovalRequest.tenant_id == tenant_id)
    if status is not None:
        stmt = stmt.where(ApprovalRequest.status == status)
    if subject_type is not None:
        stmt = stmt.where(ApprovalRequest.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(ApprovalRequest.subject_id == subject_id)
    if actions is not None:
        stmt = stmt.where(ApprovalRequest.action.in_(actions))
    return list(session.scalars(stmt.order_by(ApprovalRequest.id).limit(limit)))


def add_decision(session: Session, **values: Any) -> ApprovalDecision:
    row = ApprovalDecision(**values)
    session.add(row)
    session.flush()
    return row


def decisions(session: Session, request_ids: list[int]) -> dict[int, list[ApprovalDecision]]:
    """Return each request's decisions, oldest first."""
    found: dict[int, list[ApprovalDecision]] = {i: [] for i in request_ids}
    if request_ids:
        stmt = (
            select(ApprovalDecision)
            .where(ApprovalDecision.request_id.in_(request_ids))
            .order_by(ApprovalDecision.id)
        )
        for row in session.scalars(stmt):
            found[row.request_id].append(row)
    return found


def policies(session: Session, tenant_id: int) -> dict[str, ApprovalPolicy]:
    """Return the tenant's explicit policy rows by action."""
    rows = session.scalars(select(ApprovalPolicy).where(ApprovalPolicy.tenant_id == tenant_id))
    return {row.action: row for row in rows}


def set_policy(
    session: Session,
    tenant_id: int,
    action: str,
    dual_control: bool,
    bands: list[dict[str, Any]] | None,
    by: str,
) -> None:
    row = session.get(ApprovalPolicy, (tenant_id, action), with_for_update=True)
    if row is None:
        row = ApprovalPolicy(tenant_id=tenant_id, action=action)
        session.add(row)
    row.dual_control, row.bands, row.updated_by = dual_control, bands, by
    session.flush()
