"""UPI AutoPay tables, next to the mandate registry (collections_models.Mandate).

* ``upi_mandate``: what a UPI mandate needs beyond the registry row: the PSP counterpart,
  NPCI recurrence, the payer's approval link / intent, and ``last_event_at``, the own
  timestamp of the newest PSP event applied to it (older events arriving later are stale).
* ``upi_cycle``: one recurrence cycle of a mandate: its pre-debit notice (reference we
  sent, amount, debit date, when the PSP notified the payer) and how its debit went.
  Unique per (mandate, cycle key): one cycle, one notice, at most one successful debit.
* ``upi_debit``: one debit attempt in a cycle; ``reference`` is ours (the repayment's
  external reference is ``upi:<reference>``). A partial unique index allows at most one
  attempt per cycle that is pending, succeeded or refunded.
* ``upi_event``: every PSP event seen, unique on (counterpart, event id), with what it did
  (applied, stale, no change, unmatched, ignored).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt


class UpiMandate(CreatedAt, Base):
    __tablename__ = "upi_mandate"
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("counterpart.id"))
    recurrence: Mapped[str] = mapped_column(String(12))
    approval_url: Mapped[str | None] = mapped_column(Text, default=None)
    intent_url: Mapped[str | None] = mapped_column(Text, default=None)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)


class UpiCycle(CreatedAt, Base):
    __tablename__ = "upi_cycle"
    __table_args__ = (
        UniqueConstraint("mandate_id", "cycle_key"),
        UniqueConstraint("tenant_id", "reference"),
        Index("ix_upi_cycle_due", "tenant_id", "status", "debit_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    cycle_key: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(30))
    psp_notification_id: Mapped[str | None] = mapped_column(String(60), default=None)
    amount: Mapped[Decimal]
    debit_date: Mapped[date]
    notified_on: Mapped[date]  # business date of the notice
    notified_at: Mapped[datetime]  # when the PSP notified the payer (the 24 h start)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)


class UpiDebit(CreatedAt, Base):
    __tablename__ = "upi_debit"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        UniqueConstraint("cycle_id", "attempt"),
        Index(
            "uq_upi_debit_one_per_cycle",
            "cycle_id",
            unique=True,
            postgresql_where=text("status in ('pending', 'success', 'refunded')"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("upi_cycle.id"))
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    attempt: Mapped[int]
    reference: Mapped[str] = mapped_column(String(30))
    psp_payment_id: Mapped[str | None] = mapped_column(String(60), default=None)
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
    requested_at: Mapped[datetime]
    business_date: Mapped[date]
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
    repayment_id: Mapped[int | None] = mapped_column(default=None)
    refund_id: Mapped[str | None] = mapped_column(String(60), default=None)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)


class UpiEventLog(Base):
    __tablename__ = "upi_event"
    __table_args__ = (
        UniqueConstraint("tenant_id", "counterpart_id", "event_id"),
        Index("ix_upi_event_subject", "tenant_id", "subject"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("counterpart.id"))
    event_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime]
    subject: Mapped[str | None] = mapped_column(String(60), default=None)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(300), default=None)
    inbox_item_id: Mapped[int | None] = mapped_column(default=None)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
