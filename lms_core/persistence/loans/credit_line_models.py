"""Revolving credit / overdraft line tables: the line, its transactions, dues, daily accruals.

The ledger holds the money (journals with ``external_ref`` ``cl:<line>:...``); these
tables are the line's sub-ledger: ``credit_line.drawn`` is the principal outstanding,
``credit_line_accrual`` keeps every day's end-of-day balance and the interest posted
for it (so a period's billed interest is checkable from its daily balances), and
``credit_line_due`` the billed interest and charges a repayment settles first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import RATE, Base, CreatedAt, TenantScoped

PRECISE = Numeric()  # full-precision running interest of the open period


class CreditLine(TenantScoped, CreatedAt, Base):
    __tablename__ = "credit_line"
    __table_args__ = (
        UniqueConstraint("tenant_id", "line_number"),
        Index("ix_credit_line_eod", "tenant_id", "status", "accrued_through"),
        CheckConstraint("status in ('active','suspended','closed')", name="status"),
        CheckConstraint("drawn >= 0", name="drawn_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    line_number: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    limit_amount: Mapped[Decimal]
    annual_rate: Mapped[Decimal] = mapped_column(RATE)
    day_count: Mapped[str] = mapped_column(String(10))
    billing_day: Mapped[int]
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="active")
    drawn: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    period_start: Mapped[date]
    period_precise: Mapped[Decimal] = mapped_column(PRECISE, default=Decimal("0"))
    period_posted: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    accrued_through: Mapped[date | None] = mapped_column(default=None)
    borrower_name: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str | None] = mapped_column(String(100), default=None)


class CreditLineTxn(Base):
    """A drawdown, a repayment or an interest billing, with the balance it left."""

    __tablename__ = "credit_line_txn"
    __table_args__ = (
        UniqueConstraint("line_id", "external_ref"),
        Index("ix_credit_line_txn_line", "line_id", "business_date", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("credit_line.id"))
    kind: Mapped[str] = mapped_column(String(20))  # drawdown, repayment, interest_billed
    business_date: Mapped[date]
    amount: Mapped[Decimal]
    principal: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    interest: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    fees: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    drawn_after: Mapped[Decimal]
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    external_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    journal_id: Mapped[int | None] = mapped_column(default=None)


class CreditLineDue(Base):
    """Billed interest (or a charge) on a line, settled before principal."""

    __tablename__ = "credit_line_due"
    __table_args__ = (
        UniqueConstraint("line_id", "kind", "due_date"),
        CheckConstraint("paid <= amount", name="not_overpaid"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("credit_line.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date]
    due_date: Mapped[date]
    amount: Mapped[Decimal]
    paid: Mapped[Decimal] = mapped_column(default=Decimal("0"))


class CreditLineAccrual(Base):
    """One day-end of a line: its drawn balance and the interest posted for the day."""

    __tablename__ = "credit_line_accrual"
    line_id: Mapped[int] = mapped_column(ForeignKey("credit_line.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    balance: Mapped[Decimal]
    amount: Mapped[Decimal]
