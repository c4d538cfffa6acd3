"""Dual control (maker-checker) tables: approval requests, decisions and the tenant's policy.

* ``approval_request``: one sensitive action asked for by a *maker*, on a *subject*
  (``subject_type`` / ``subject_id``: a loan, a reconciliation resolution, an
  application, a pool...), with the request body as JSON, its amount when it has one and
  how many approvals it needs. It is ``pending`` until enough checkers approve (the
  action runs then, in the same transaction, and ``result_ref`` names what it made,
  e.g. ``loan_change:42``), one rejects (with a reason) or the maker cancels; ``failed``
  when the approved action was refused on execution (``error`` says why; nothing was
  posted). At most one pending request per action and subject (a partial unique index).
* ``approval_decision``: each checker's decision; a checker decides a request once and is
  never its maker (CHECK constraints, besides the service's checks).
* ``approval_policy``: per tenant and action, whether it is under dual control and its
  amount bands (:mod:`lms_core.approvals`). No row means the action's default.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.approvals import ApprovalStatus
from lms_core.persistence.base import Base, CreatedAt


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
            "subject_type",
            "subject_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_approval_request_queue", "tenant_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2), default=None)
    required: Mapped[int] = mapped_column(SmallInteger, default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    maker: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.PENDING)
    checker: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    result_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ApprovalDecision(Base):
    __tablename__ = "approval_decision"
    __table_args__ = (
        CheckConstraint("decision in ('approve','reject')", name="decision"),
        UniqueConstraint("request_id", "checker"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_request.id"))
    checker: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class ApprovalPolicy(Base):
    __tablename__ = "approval_policy"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(40), primary_key=True)
    dual_control: Mapped[bool]
    bands: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB, default=None)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
