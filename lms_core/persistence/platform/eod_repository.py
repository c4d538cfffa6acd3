"""SQL of end-of-day runs: runs and partitions, and published benchmark rates.

The per-partition bulk loads and writes of the day-end itself are in
:mod:`lms_core.persistence.loans.eod_bulk_repository`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from lms_core.persistence.platform.eod_models import BenchmarkRate, EodPartition, EodRun

# --- runs and partitions ------------------------------------------------------------


def run_for(session: Session, tenant_id: int, day: date, *, lock: bool = False) -> EodRun | None:
    stmt = select(EodRun).where(EodRun.tenant_id == tenant_id, EodRun.business_date == day)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def run_by_id(session: Session, run_id: int, *, lock: bool = False) -> EodRun | None:
    stmt = select(EodRun).where(EodRun.id == run_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def create_run(session: Session, tenant_id: int, day: date) -> EodRun:
    run = EodRun(tenant_id=tenant_id, business_date=day, status="running")
    session.add(run)
    session.flush()
    return run


def loan_ranges(
    session: Session, tenant_id: int, day: date, size: int
) -> list[tuple[int, int, int]]:
    """Return balanced ``(first id, last id, count)`` ranges of the loans to close on ``day``."""
    rows = session.execute(
        text(
            "select min(id), max(id), count(*) from ("
            " select id, (row_number() over (order by id) - 1) / :size as bucket from loan"
            " where tenant_id = :t and status = 'active' and eod_through < :d) x"
            " group by bucket order by bucket"
        ),
        {"t": tenant_id, "d": day, "size": size},
    )
    return [(a, b, n) for a, b, n in rows]


def add_partitions(session: Session, run: EodRun, ranges: Sequence[tuple[int, int, int]]) -> None:
    start = session.scalar(
        select(func.coalesce(func.max(EodPartition.seq), 0)).where(EodPartition.run_id == run.id)
    )
    rows = [
        {
            "run_id": run.id,
            "seq": start + i + 1,
            "first_loan_id": a,
            "last_loan_id": b,
            "loans": n,
            "status": "pending",
            "closed": 0,
            "failed": 0,
            "errors": [],
        }
        for i, (a, b, n) in enumerate(ranges)
    ]
    if rows:
        session.execute(insert(EodPartition), rows)
    run.partitions = (run.partitions or 0) + len(rows)
    run.loans = (run.loans or 0) + sum(n for _, _, n in ranges)


def claim_partition(session: Session, run_id: int) -> EodPartition | None:
    """Lock one pending partition nobody holds; the lock lasts until the transaction ends."""
    return session.scalar(
        select(EodPartition)
        .where(EodPartition.run_id == run_id, EodPartition.status == "pending")
        .order_by(EodPartition.seq)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def claimable(session: Session, run_id: int) -> bool:
    """Return whether a pending partition of the run is free (not held by a worker)."""
    found = session.scalar(
        select(EodPartition.id)
        .where(EodPartition.run_id == run_id, EodPartition.status == "pending")
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return found is not None


def partitions_of(session: Session, run_id: int) -> list[EodPartition]:
    return list(
        session.scalars(
            select(EodPartition).where(EodPartition.run_id == run_id).order_by(EodPartition.seq)
        )
    )


def supersede_partitions(session: Session, run_id: int) -> None:
    """Keep a failed attempt's partitions (and errors) as history, out of the counts."""
    session.execute(
        update(EodPartition)
        .where(EodPartition.run_id == run_id, EodPartition.status == "done")
        .values(status="superseded")
    )


def unfinished_partitions(session: Session, run_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(EodPartition)
        .where(EodPartition.run_id == run_id, EodPartition.status == "pending")
    )


def failed_loans(session: Session, run_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(EodPartition.failed), 0)).where(
            EodPartition.run_id == run_id, EodPartition.status == "done"
        )
    )


def running_runs(session: Session) -> list[EodRun]:
    return list(session.scalars(select(EodRun).where(EodRun.status == "running")))


def loan_ids_in(session: Session, tenant_id: int, first: int, last: int, day: date) -> list[int]:
    return list(
        session.scalars(
            text(
                "select id from loan where tenant_id = :t and id between :a and :b"
                " and status = 'active' and eod_through < :d order by id"
            ),
            {"t": tenant_id, "a": first, "b": last, "d": day},
        )
    )


def mark_finished(session: Session, run: EodRun, status: str, at: datetime) -> None:
    run.status, run.finished_at = status, at


# --- benchmark rates ----------------------------------------------------------------


def publish_rate(
    session: Session, tenant_id: int, code: str, effective: date, rate: Decimal
) -> BenchmarkRate:
    """Store a benchmark rate (replacing one published for the same code and date)."""
    row = session.scalar(
        select(BenchmarkRate).where(
            BenchmarkRate.tenant_id == tenant_id,
            BenchmarkRate.code == code,
            BenchmarkRate.effective_date == effective,
        )
    )
    if row is None:
        row = BenchmarkRate(tenant_id=tenant_id, code=code, effective_date=effective, rate=rate)
        session.add(row)
    row.rate = rate
    session.flush()
    return row


def rate_on(session: Session, tenant_id: int, code: str, day: date) -> Decimal | None:
    """Return the benchmark rate in force on ``day`` (latest effective on or before it)."""
    return session.scalar(
        select(BenchmarkRate.rate)
        .where(
            BenchmarkRate.tenant_id == tenant_id,
            BenchmarkRate.code == code,
            BenchmarkRate.effective_date <= day,
        )
        .order_by(BenchmarkRate.effective_date.desc())
        .limit(1)
    )


def rates(session: Session, tenant_id: int) -> list[BenchmarkRate]:
    return list(
        session.scalars(
            select(BenchmarkRate)
            .where(BenchmarkRate.tenant_id == tenant_id)
            .order_by(BenchmarkRate.code, BenchmarkRate.effective_date)
        )
    )
