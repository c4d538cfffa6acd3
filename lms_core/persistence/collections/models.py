"""Collections tables: the mandate registry and NACH ACH debit presentations.

* ``mandate``: one standing debit authority per loan, of any kind (NACH physical, NACH
  e-mandate, UPI AutoPay). ``reference`` is the UMRN (NACH) or UMN (UPI), set when the
  sponsor bank / PSP registers it and unique per tenant. The debtor's account number (or
  UPI VPA) is stored only as a Fernet token (``debtor_account_token``); views show
  ``debtor_account_masked``. ``amount_rule`` says whether ``amount`` is the fixed debit or
  the maximum. ``provider_ref`` / ``meta`` hold what a rail needs beyond that (PSP ids).
* ``mandate_event``: the status history (initiated, registered, rejected with code,
  amended, cancelled, expired ...), append-only; the mandate row keeps the current status.
* ``mandate_cancellation``: one request of ours to cancel a mandate at the counterpart
  that holds it (a pain.011 in a batch to the sponsor bank, a revoke call to the PSP):
  ``message_id`` is the pain.011 ``MsgId`` / the PSP's idempotency key, unique per tenant,
  so a resend never makes a second request; a partial unique index keeps at most one
  open (pending / sent) request per mandate.
* ``nach_presentation``: one ACH debit file sent to a sponsor bank for a settlement date,
  with its totals, delivery (outbox message) and response (inbox item) bookkeeping.
* ``nach_presentation_item``: one debit in it; ``reference`` is the file's transaction
  reference (unique per tenant) that ties the response back to the loan, due and mandate.
  A returned item may carry ``represent_on`` (the re-presentation policy's next date) and,
  once re-presented, ``next_item_id``.

The StrEnums name every stored status value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.collections.enums import (
    CancellationStatus,
)
from lms_core.persistence.base import Base, CreatedAt, TenantScoped

OPEN_CANCELLATION = (CancellationStatus.PENDING, CancellationStatus.SENT)


class Mandate(TenantScoped, CreatedAt, Base):
    __tablename__ = "mandate"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        UniqueConstraint("tenant_id", "request_id"),
        Index("ix_mandate_loan", "loan_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str] = mapped_column(String(35))
    reference: Mapped[str | None] = mapped_column(String(40), default=None)
    provider: Mapped[str | None] = mapped_column(String(60), default=None)
    provider_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    debtor_name: Mapped[str] = mapped_column(String(100))
    debtor_account_token: Mapped[str] = mapped_column(Text)
    debtor_account_masked: Mapped[str] = mapped_column(String(40))
    debtor_ifsc: Mapped[str | None] = mapped_column(String(11), default=None)
    account_type: Mapped[str] = mapped_column(String(10), default="SAVINGS")
    amount_rule: Mapped[str] = mapped_column(String(5))
    amount: Mapped[Decimal]
    frequency: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)
    reject_code: Mapped[str | None] = mapped_column(String(20), default=None)
    reject_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    batch_ref: Mapped[str | None] = mapped_column(String(60), default=None)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class MandateEvent(Base):
    __tablename__ = "mandate_event"
    __table_args__ = (Index("ix_mandate_event_mandate", "mandate_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    business_date: Mapped[date]
    code: Mapped[str | None] = mapped_column(String(20), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class Presentation(TenantScoped, CreatedAt, Base):
    __tablename__ = "nach_presentation"
    __table_args__ = (
        UniqueConstraint("tenant_id", "file_number"),
        Index("ix_nach_presentation_date", "tenant_id", "settlement_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    counterpart: Mapped[str] = mapped_column(String(60))
    settlement_date: Mapped[date]
    file_number: Mapped[str] = mapped_column(String(9))
    filename: Mapped[str] = mapped_column(String(120))
    item_count: Mapped[int]
    total_amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(20))
    outbound_message_id: Mapped[int | None] = mapped_column(default=None)
    response_item_id: Mapped[int | None] = mapped_column(default=None)


class PresentationItem(Base):
    __tablename__ = "nach_presentation_item"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        UniqueConstraint("tenant_id", "loan_id", "due_date", "attempt"),
        Index("ix_nach_item_presentation", "presentation_id", "sequence_number"),
        Index("ix_nach_item_represent", "tenant_id", "status", "represent_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    presentation_id: Mapped[int] = mapped_column(ForeignKey("nach_presentation.id"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"))
    reference: Mapped[str] = mapped_column(String(30))
    sequence_number: Mapped[int]
    due_date: Mapped[date]
    attempt: Mapped[int] = mapped_column(default=1)
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(2), default=None)
    repayment_id: Mapped[int | None] = mapped_column(default=None)
    bounce_due_id: Mapped[int | None] = mapped_column(default=None)
    represent_on: Mapped[date | None] = mapped_column(default=None)
    next_item_id: Mapped[int | None] = mapped_column(default=None)
    responded_on: Mapped[date | None] = mapped_column(default=None)


class MandateCancellation(Base):
    __tablename__ = "mandate_cancellation"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_id"),
        Index("ix_mandate_cancellation_todo", "tenant_id", "rail", "status"),
        Index(
            "uq_mandate_cancellation_open",
            "mandate_id",
            unique=True,
            postgresql_where=text("status in ('pending', 'sent')"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandate.id"))
    rail: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200))
    requested_on: Mapped[date]
    requested_by: Mapped[str] = mapped_column(String(100))
    batch_ref: Mapped[str | None] = mapped_column(String(60), default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)
    reject_code: Mapped[str | None] = mapped_column(String(20), default=None)
    reject_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
