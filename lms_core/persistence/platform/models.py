"""Foundation tables: tenants, branches, business dates, users, audit, the ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt, TenantScoped


class Tenant(CreatedAt, Base):
    """A legal entity using Sangam (an NBFC, bank or HFC). Data never crosses tenants."""

    __tablename__ = "tenant"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    base_currency: Mapped[str] = mapped_column(String(3), default="INR")
    holiday_subdivision: Mapped[str | None] = mapped_column(String(8), default=None)


class Branch(CreatedAt, Base):
    __tablename__ = "branch"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str | None] = mapped_column(String(8), default=None)


class BusinessDate(Base):
    """The tenant's current business date; only end-of-day moves it."""

    __tablename__ = "business_date"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    current: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class TenantHoliday(Base):
    """A closure the tenant adds on top of the national calendar."""

    __tablename__ = "tenant_holiday"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AppUser(TenantScoped, CreatedAt, Base):
    """A staff or partner-client user; the password is an argon2 hash."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    active: Mapped[bool] = mapped_column(default=True)


class AuditLog(Base):
    """Who did what, when, with the before / after images; hash-chained per tenant."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "tenant_id", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ExposureOwner(TenantScoped, CreatedAt, Base):
    """Who carries an exposure: the own book, a co-lender, a pool or an investor."""

    __tablename__ = "exposure_owner"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))


class LedgerAccount(TenantScoped, CreatedAt, Base):
    __tablename__ = "ledger_account"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("type in ('asset','liability','equity','income','expense')", name="type"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))


class JournalEntry(CreatedAt, Base):
    """One business event; its postings must balance per currency.

    Tenant, branch and reversed journal are checked by a statement-level trigger
    (migration s0009), not row-by-row foreign keys: stricter (all in the journal's
    tenant), a fraction of the cost in bulk; journals are append-only, and deleting a
    tenant or branch that journals use is refused. The unique index on (tenant,
    external_ref) serves tenant lookups, so ``tenant_id`` has no index of its own.
    """

    __tablename__ = "journal_entry"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_ref"),
        Index("ix_journal_entry_loan", "tenant_id", "loan_id", "business_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int]
    branch_id: Mapped[int | None] = mapped_column(default=None)
    kind: Mapped[str] = mapped_column(String(60))
    business_date: Mapped[date]
    value_date: Mapped[date | None] = mapped_column(default=None)
    description: Mapped[str] = mapped_column(String(500), default="")
    loan_id: Mapped[int | None] = mapped_column(default=None)
    external_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    reverses_id: Mapped[int | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(100), default="system")


class LedgerPosting(Base):
    """A signed amount on an account (debit > 0). Append-only: a trigger refuses changes.

    The journal, account, owner and tenant references are checked by one statement-level
    trigger (migration s0008), not by row-by-row foreign keys: same guarantee (plus the
    same tenant), a fraction of the cost for the end-of-day's millions of postings.
    """

    __tablename__ = "ledger_posting"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        Index("ix_ledger_posting_balance", "tenant_id", "account_id", "business_date"),
        Index("ix_ledger_posting_loan", "tenant_id", "loan_id", "business_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int]
    journal_id: Mapped[int] = mapped_column(index=True)
    account_id: Mapped[int]
    owner_id: Mapped[int]
    loan_id: Mapped[int | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    business_date: Mapped[date]


class IdempotencyRecord(Base):
    """A write API's first response for an ``Idempotency-Key``, replayed on retry."""

    __tablename__ = "idempotency_record"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
