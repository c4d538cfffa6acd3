"""Life-cycle tables of a loan: changes (history), write-off tracking, settlements, documents.

* ``loan_change``: one row per prepayment, foreclosure, restructure, write-off, recovery
  or settlement, with the figures (``detail``), the schedule versions it moved between,
  the journal it posted and the caller's reference (unique per tenant, so a retried
  recovery is recognised). It is the loan's life-cycle history next to ``loan_event``.
* ``loan_write_off``: what was written off, by component, and what has been recovered
  of each since, so a written-off loan's balances stay visible for recovery.
* ``loan_settlement``: a one-time settlement: the agreed amount and, once paid, what
  was waived of each component.
* ``loan_document``: generated documents (the no-dues certificate) with their bytes and
  SHA-256, kept in the database so backups and replicas carry them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt, TenantScoped

ZERO = Decimal("0")


class LoanChange(TenantScoped, CreatedAt, Base):
    __tablename__ = "loan_change"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_ref"),
        Index("ix_loan_change_loan", "loan_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    kind: Mapped[str] = mapped_column(String(30))
    business_date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(default=ZERO)  # money received with it, if any
    from_version: Mapped[int | None] = mapped_column(default=None)
    to_version: Mapped[int | None] = mapped_column(default=None)
    journal_id: Mapped[int | None] = mapped_column(default=None)
    external_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class LoanWriteOff(TenantScoped, CreatedAt, Base):
    __tablename__ = "loan_write_off"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), primary_key=True)
    business_date: Mapped[date]
    principal: Mapped[Decimal]
    interest: Mapped[Decimal]
    fees: Mapped[Decimal]
    penal: Mapped[Decimal]
    recovered_principal: Mapped[Decimal] = mapped_column(default=ZERO)
    recovered_interest: Mapped[Decimal] = mapped_column(default=ZERO)
    recovered_fees: Mapped[Decimal] = mapped_column(default=ZERO)
    recovered_penal: Mapped[Decimal] = mapped_column(default=ZERO)
    change_id: Mapped[int] = mapped_column(ForeignKey("loan_change.id"))


class LoanSettlement(TenantScoped, CreatedAt, Base):
    __tablename__ = "loan_settlement"
    __table_args__ = (
        Index("ix_loan_settlement_loan", "loan_id", "id"),
        CheckConstraint("status in ('agreed','settled','cancelled')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    status: Mapped[str] = mapped_column(String(20), default="agreed")
    agreed_amount: Mapped[Decimal]
    agreed_on: Mapped[date]
    valid_until: Mapped[date | None] = mapped_column(default=None)
    agreed_by: Mapped[str] = mapped_column(String(100))
    settled_on: Mapped[date | None] = mapped_column(default=None)
    paid_amount: Mapped[Decimal | None] = mapped_column(default=None)
    waived_principal: Mapped[Decimal] = mapped_column(default=ZERO)
    waived_interest: Mapped[Decimal] = mapped_column(default=ZERO)
    waived_fees: Mapped[Decimal] = mapped_column(default=ZERO)
    waived_penal: Mapped[Decimal] = mapped_column(default=ZERO)


class LoanDocument(TenantScoped, CreatedAt, Base):
    __tablename__ = "loan_document"
    __table_args__ = (Index("ix_loan_document_loan", "loan_id", "kind", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    kind: Mapped[str] = mapped_column(String(30))  # noc
    business_date: Mapped[date]
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="issued")  # issued, void
