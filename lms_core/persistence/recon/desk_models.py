"""Break-desk tables: what people add to a reconciliation break while they resolve it.

The engine's ``recon_break`` already carries the desk's single-valued fields (assignee,
root cause, resolution). These tables hold the rest:

* ``recon_break_comment``: a note on a break, by whom and when; append only.
* ``recon_resolution``: a request to close a break by an *adjustment* (to suspense) or a
  *write-off* (to expense), with a reason code and an amount. Within the tenant's
  policy for ``recon.resolution`` it is ``applied`` at once; above it it waits
  ``pending`` until the approvals service's checkers approve or reject it. ``journal_id`` is
  the balanced ledger journal the applied request posted. At most one pending request
  per break (partial unique index).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt


class ReconBreakComment(CreatedAt, Base):
    __tablename__ = "recon_break_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    break_id: Mapped[int] = mapped_column(ForeignKey("recon_break.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)


class ReconResolution(CreatedAt, Base):
    __tablename__ = "recon_resolution"
    __table_args__ = (
        CheckConstraint("kind in ('adjustment','write_off')", name="kind"),
        CheckConstraint("status in ('pending','applied','rejected')", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("checker IS NULL OR checker <> maker", name="four_eyes"),
        Index(
            "ix_recon_resolution_one_pending",
            "break_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_recon_resolution_queue", "tenant_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    break_id: Mapped[int] = mapped_column(ForeignKey("recon_break.id"))
    kind: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal]
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    maker: Mapped[str] = mapped_column(String(100))
    checker: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"), default=None)
