"""Servicing tables: products (versioned), loans, schedules, dues, repayments, events.

A loan's *schedule* is stored per version (a restructure or prepayment adds a version;
the old one stays). *Dues* are the receivables raised by end-of-day on due dates (and
by charges: penal, bounce, late fees); a repayment's *allocations* settle dues, each
dated with the payment's value date so back-dated payments and reversals can be
replayed exactly. Money still lives in the ledger; these tables are its sub-ledger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import RATE, Base, CreatedAt, TenantScoped


class Product(TenantScoped, CreatedAt, Base):
    """One version of a loan product; loans point at the version they were booked under."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("tenant_id", "code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Loan(TenantScoped, CreatedAt, Base):
    __tablename__ = "loan"
    __table_args__ = (
        UniqueConstraint("tenant_id", "loan_number"),
        Index("ix_loan_eod", "tenant_id", "status", "id"),
        CheckConstraint(
            "status in ('pending','active','closed','written_off','settled')", name="status"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_number: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    currency: Mapped[str] = mapped_column(String(3))
    principal: Mapped[Decimal]
    annual_rate: Mapped[Decimal] = mapped_column(RATE)
    terms: Mapped[dict[str, Any]] = mapped_column(JSONB)
    schedule_version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    state: Mapped[str] = mapped_column(String(20), default="standard")
    asset_class: Mapped[str] = mapped_column(String(10), default="standard")
    dpd: Mapped[int] = mapped_column(default=0)
    npa_since: Mapped[date | None] = mapped_column(default=None)
    disbursed_on: Mapped[date | None] = mapped_column(default=None)
    accrued_through: Mapped[date | None] = mapped_column(default=None)
    eod_through: Mapped[date | None] = mapped_column(default=None)
    closed_on: Mapped[date | None] = mapped_column(default=None)
    advance: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    external_ref: Mapped[str | None] = mapped_column(String(100), default=None)


class LoanParty(Base):
    """A borrower, co-borrower or guarantor on a loan (PII stays masked in views)."""

    __tablename__ = "loan_party"
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(20), default=None)
    pan_masked: Mapped[str | None] = mapped_column(String(10), default=None)


class LoanCollateral(Base):
    __tablename__ = "loan_collateral"
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal | None] = mapped_column(default=None)


class ScheduleLine(Base):
    __tablename__ = "schedule_line"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date]
    due_date: Mapped[date]
    principal: Mapped[Decimal]
    interest: Mapped[Decimal]
    fees: Mapped[Decimal]
    total: Mapped[Decimal]
    balance: Mapped[Decimal]


class LoanDue(Base):
    """A receivable raised on a loan: a component of an installment, or a charge.

    ``loan_id`` is checked by a statement-level trigger (migration s0009), not a row-by-row
    foreign key: the same guarantee (the loan exists; a loan with dues cannot be deleted)
    at a fraction of the cost when thousands of dues are written at once.
    """

    __tablename__ = "loan_due"
    __table_args__ = (
        UniqueConstraint("loan_id", "kind", "installment", "component"),
        Index("ix_loan_due_open", "loan_id", "due_date"),
        CheckConstraint("paid + waived <= amount", name="not_overpaid"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))  # installment, penal, bounce, late_fee ...
    installment: Mapped[int]
    component: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date]
    amount: Mapped[Decimal]
    paid: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    waived: Mapped[Decimal] = mapped_column(default=Decimal("0"))


class Repayment(CreatedAt, Base):
    """A payment received on a loan.

    Its loan, tenant and branch are checked by a statement-level trigger (migration
    s0009), not by row-by-row foreign keys: stricter (the loan and branch must be in the
    repayment's tenant), refusing deletes of what it uses as the keys did, and a fraction
    of their cost for bulk-posted files. The tenant's unique index on ``external_ref``
    serves tenant lookups, so ``tenant_id`` has no index of its own.
    """

    __tablename__ = "repayment"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_ref"),
        Index("ix_repayment_loan", "loan_id", "value_date", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int]
    branch_id: Mapped[int | None] = mapped_column(default=None)
    loan_id: Mapped[int]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(20))
    value_date: Mapped[date]
    business_date: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    external_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(20), default="posted")
    journal_id: Mapped[int | None] = mapped_column(default=None)
    excess: Mapped[Decimal] = mapped_column(default=Decimal("0"))


class Allocation(Base):
    """How much of a repayment settled which due (current allocations only).

    The repayment and due are checked by a statement-level trigger (migration s0009), not
    row-by-row foreign keys: stricter (both must be of the same loan), deletes of used
    repayments and dues refused as the keys did, a fraction of the cost in bulk.
    """

    __tablename__ = "repayment_allocation"
    id: Mapped[int] = mapped_column(primary_key=True)
    repayment_id: Mapped[int] = mapped_column(index=True)
    due_id: Mapped[int] = mapped_column(index=True)
    value_date: Mapped[date]
    amount: Mapped[Decimal]


class LoanEvent(Base):
    """The loan's history: booking, disbursement, classification moves, restructures ..."""

    __tablename__ = "loan_event"
    __table_args__ = (Index("ix_loan_event_loan", "loan_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    business_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class PenalCharge(Base):
    """The penal charge of one day-end on one loan (the sub-ledger that replays correct)."""

    __tablename__ = "penal_charge"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    installment: Mapped[int]
    amount: Mapped[Decimal]
