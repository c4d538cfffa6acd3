"""Declarative base, naming convention and the column types every model shares."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, Numeric, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Amounts are stored with two decimal places; rates with six.
MONEY = Numeric(20, 2)
RATE = Numeric(12, 6)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: MONEY,
        int: BigInteger,
        datetime: DateTime(timezone=True),
        date: __import__("sqlalchemy").Date,
        str: String,
    }


class TenantScoped:
    """Every business row belongs to a tenant (legal entity) and, optionally, a branch."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenant.id"), index=True)

    @declared_attr
    def branch_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("branch.id"), default=None)


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
