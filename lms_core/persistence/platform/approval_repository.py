"""SQL for dual control: approval requests and the tenant's approval policy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_core.persistence.platform.approval_models import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
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
    session: Session, tenant_id: int, action: str, loan_id: int
) -> ApprovalRequest | None:
    """Return the pending request for this action on this loan, if there is one."""
    return session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.tenant_id == tenant_id,
            ApprovalRequest.action == action,
            ApprovalRequest.loan_id == loan_id,
            ApprovalRequest.status == ApprovalStatus.PENDING,
        )
    )


def requests(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    loan_id: int | None = None,
    limit: int = 200,
) -> list[ApprovalRequest]:
    """Return the tenant's requests, oldest first, optionally of one status / loan."""
    stmt = select(ApprovalRequest).where(ApprovalRequest.tenant_id == tenant_id)
    if status is not None:
        stmt = stmt.where(ApprovalRequest.status == status)
    if loan_id is not None:
        stmt = stmt.where(ApprovalRequest.loan_id == loan_id)
    return list(session.scalars(stmt.order_by(ApprovalRequest.id).limit(limit)))


def policies(session: Session, tenant_id: int) -> dict[str, bool]:
    """Return the tenant's explicit settings: action -> needs a checker."""
    rows = session.scalars(select(ApprovalPolicy).where(ApprovalPolicy.tenant_id == tenant_id))
    return {row.action: row.dual_control for row in rows}


def set_policy(session: Session, tenant_id: int, action: str, dual_control: bool, by: str) -> None:
    row = session.get(ApprovalPolicy, (tenant_id, action), with_for_update=True)
    if row is None:
        session.add(
            ApprovalPolicy(
                tenant_id=tenant_id, action=action, dual_control=dual_control, updated_by=by
            )
        )
    else:
        row.dual_control, row.updated_by = dual_control, by
    session.flush()
