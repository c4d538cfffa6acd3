"""End-of-day runs, their partitions, and published benchmark rates.

An *end-of-day run* closes one business date of one tenant. Its loans are split into
*partitions*: contiguous, balanced loan-id ranges, each processed in one transaction by
whichever worker claims it (``FOR UPDATE SKIP LOCKED``; the row lock is the lease, so a
worker that dies releases its partition with its transaction). A partition that hit
loans it could not close records them with their errors; the run then ends ``failed``
(business date not advanced) instead of waiting forever.

A *benchmark rate* (e.g. the lender's EBLR or repo) is published with an effective
date; a floating-rate loan takes benchmark + spread at its reset dates.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import RATE, Base, CreatedAt, TenantScoped
from lms_core.persistence.loans.models import LoanDue, ScheduleLine


class EodRun(TenantScoped, CreatedAt, Base):
    __tablename__ = "eod_run"
    __table_args__ = (UniqueConstraint("tenant_id", "business_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    business_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="running")  # finished, failed
    partitions: Mapped[int] = mapped_column(default=0)
    loans: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class EodPartition(Base):
    __tablename__ = "eod_partition"
    __table_args__ = (Index("ix_eod_partition_run", "run_id", "status", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eod_run.id"))
    seq: Mapped[int]
    first_loan_id: Mapped[int]
    last_loan_id: Mapped[int]
    loans: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # done
    worker: Mapped[str | None] = mapped_column(String(100), default=None)
    closed: Mapped[int] = mapped_column(default=0)  # loans closed by this partition
    failed: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    seconds: Mapped[Decimal | None] = mapped_column(RATE, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class BenchmarkRate(TenantScoped, CreatedAt, Base):
    __tablename__ = "benchmark_rate"
    __table_args__ = (UniqueConstraint("tenant_id", "code", "effective_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    effective_date: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(RATE)


# Only unpaid dues matter to a day-end; most dues are paid, so a partial index keeps the
# per-partition "what is still open" lookup small.
Index(
    "ix_loan_due_unpaid",
    LoanDue.loan_id,
    postgresql_where=text("paid + waived < amount"),
)

# The day-end reads each loan's first schedule line due on or after the day: with the
# due date in the index that is one probe, not a walk over the installments already due.
Index(
    "ix_schedule_line_due",
    ScheduleLine.loan_id,
    ScheduleLine.version,
    ScheduleLine.due_date,
    ScheduleLine.number,
)
