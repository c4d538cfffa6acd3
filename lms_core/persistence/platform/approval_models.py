"""Dual control (maker-checker) tables: approval requests and the tenant's policy.

* ``approval_request``: one sensitive action asked for by a *maker* and decided by a
  *checker*. It holds what to do (``action``, e.g. ``loan.writeoff``, the loan and the
  request body as JSON) and what became of it: ``pending`` until a second user approves
  (the action runs then, in the same transaction, and ``result_ref`` names what it made,
  e.g. ``loan_change:42``), rejects (with a reason) or the maker cancels; ``failed`` when
  the approved action was refused on execution (``error`` says why; nothing was posted).
  At most one pending request per tenant, action and loan (a partial unique index), and
  the checker is never the maker (a CHECK constraint, besides the service's check).
* ``approval_policy``: per tenant and action, whether it needs a checker. No row means
  the action's default (see ``hub.loans.approvals``), so a new tenant is safe.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt


class ApprovalAction(StrEnum):
    """The actions that can be put under dual control."""

    LOAN_WRITE_OFF = "loan.writeoff"
    LOAN_SETTLEMENT = "loan.settlement"


class ApprovalStatus(StrEnum):
    PENDING = "pending"  # waiting for a checker
    APPROVED = "approved"  # the action ran; result_ref names its outcome
    REJECTED = "rejected"  # a checker refused it (comment says why)
    CANCELLED = "cancelled"  # the maker withdrew it
    FAILED = "failed"  # approved, but the action was refused on execution (error)


class ApprovalRequest(CreatedAt, Base):
    __tablename__ = "approval_request"
    __table_args__ = (
        CheckConstraint(
            "status in ('pending','approved','rejected','cancelled','failed')", name="status"
        ),
        CheckConstraint("checker IS NULL OR checker <> maker", name="four_eyes"),
        Index(
            "ix_approval_request_one_pending",
            "tenant_id",
            "action",
            "loan_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_approval_request_queue", "tenant_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    action: Mapped[str] = mapped_column(String(40))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    maker: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.PENDING)
    checker: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    result_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ApprovalPolicy(Base):
    __tablename__ = "approval_policy"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(40), primary_key=True)
    dual_control: Mapped[bool]
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
