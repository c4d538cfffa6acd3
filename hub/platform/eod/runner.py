"""End-of-day runs: a tenant's business date closes in partitions, then moves on once.

:func:`start_run` creates the run of the tenant's business date (one per tenant and
date) with its partitions: balanced, contiguous loan-id ranges of the loans not yet
through the date. Any number of workers then call :func:`work` (in-process, or as the
Procrastinate task in :mod:`hub.platform.eod.tasks`): each claims a pending partition
with ``FOR UPDATE SKIP LOCKED`` and runs the domains' partition steps over its loans
(:mod:`hub.platform.eod.steps`; the loans' own day is :mod:`hub.loans.day_close`) in the
same transaction that marks it done. The row lock is the lease: a worker that
dies (even by SIGKILL) takes its transaction with it, the partition is pending and
unlocked again, and the next claim retakes it.

The run finalises exactly once: each partition's transaction ends by locking the run
row and, if no partition is left, advancing the business date (or, when some loans
failed, marking the run ``failed`` with their errors kept on the partitions; the date
stays, and starting the run again retries the loans still behind). Loans that became
active during the run get a further partition before the date moves.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from hub.platform.eod.steps import run_finalise_steps, run_partition_steps
from lms_core.persistence.platform import eod_repository, tenant_repository
from lms_core.persistence.platform.eod_models import EodRun

log = logging.getLogger("sangam.eod")

DEFAULT_PARTITION_SIZE = 20_000


@dataclass(frozen=True)
class EodSummary:
    business_date: date
    next_date: date
    loans: int
    partitions: int


class EodFailed(RuntimeError):
    """Some loans could not be closed; the business date did not move."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def start_run(
    session: Session, tenant_id: int, partition_size: int = DEFAULT_PARTITION_SIZE
) -> EodRun:
    """Return the run of the tenant's business date, creating (or re-opening) it.

    A running run comes back as it is; a failed one gets new partitions for the loans
    still behind and runs again. Does not commit.
    """
    day = tenant_repository.business_date(session, tenant_id, lock=True)
    run = eod_repository.run_for(session, tenant_id, day, lock=True)
    if run is not None and run.status == "running":
        return run
    if run is None:
        run = eod_repository.create_run(session, tenant_id, day)
    else:
        eod_repository.supersede_partitions(session, run.id)
    run.status = "running"
    ranges = eod_repository.loan_ranges(session, tenant_id, day, partition_size)
    eod_repository.add_partitions(session, run, ranges)
    session.flush()
    if not ranges:
        _finalise(session, run, partition_size)
    return run


def work_partition(
    factory: sessionmaker[Session],
    run_id: int,
    worker: str | None = None,
    before_commit: Callable[[Session], None] | None = None,
) -> bool:
    """Claim and close one pending partition of the run; False when none is left to claim."""
    with factory() as session:
        part = eod_repository.claim_partition(session, run_id)
        if part is None:
            return False
        run = eod_repository.run_by_id(session, run_id)
        started = time.perf_counter()
        ids = eod_repository.loan_ids_in(
            session, run.tenant_id, part.first_loan_id, part.last_loan_id, run.business_date
        )
        outcome = run_partition_steps(session, run.tenant_id, ids, run.business_date)
        part.status, part.worker = "done", worker or worker_name()
        part.closed, part.failed, part.errors = outcome.closed, len(outcome.failed), outcome.failed
        part.seconds = Decimal(f"{time.perf_counter() - started:.6f}")
        part.finished_at = datetime.now(UTC)
        session.flush()
        run = eod_repository.run_by_id(session, run_id, lock=True)
        _finalise(session, run)
        if before_commit is not None:
            before_commit(session)
        session.commit()
        log.info(
            "eod run %s partition %s: %d closed (%d bulk, of which %d quiet), %d failed",
            run_id,
            part.seq,
            outcome.closed,
            outcome.bulk,
            outcome.quiet,
            len(outcome.failed),
        )
        return True


def work(factory: sessionmaker[Session], run_id: int, worker: str | None = None) -> int:
    """Close partitions of the run until none is left to claim; return how many."""
    done = 0
    while work_partition(factory, run_id, worker):
        done += 1
    return done


def _finalise(session: Session, run: EodRun, partition_size: int = DEFAULT_PARTITION_SIZE) -> None:
    """With the run row locked: advance the business date once every partition is done."""
    if run.status != "running" or eod_repository.unfinished_partitions(session, run.id):
        return
    now = datetime.now(UTC)
    if eod_repository.failed_loans(session, run.id):
        eod_repository.mark_finished(session, run, "failed", now)
        log.error("eod run %s for %s failed: some loans not closed", run.id, run.business_date)
        return
    day = run.business_date
    late = eod_repository.loan_ranges(session, run.tenant_id, day, partition_size)
    if late:  # loans activated during the run (e.g. back-dated disbursements)
        eod_repository.add_partitions(session, run, late)
        return
    run_finalise_steps(session, run.tenant_id, day)  # e.g. revolving lines: accrue, bill
    tenant_repository.set_business_date(session, run.tenant_id, day, day + timedelta(days=1))
    eod_repository.mark_finished(session, run, "finished", now)
    log.info("eod run %s: %s closed, business date now %s", run.id, day, day + timedelta(days=1))


def run_eod(
    factory: sessionmaker[Session],
    tenant_id: int,
    partition_size: int = DEFAULT_PARTITION_SIZE,
) -> EodSummary:
    """Close the tenant's business date in this process, then advance it by one day.

    Raises EodFailed (the date unchanged) when some loans could not be closed.
    """
    with factory() as session:
        run = start_run(session, tenant_id, partition_size)
        run_id = run.id
        session.commit()
    work(factory, run_id)
    with factory() as session:
        run = eod_repository.run_by_id(session, run_id)
        if run.status != "finished":
            raise EodFailed(describe_failure(session, run))
        day, loans, parts = run.business_date, run.loans, run.partitions
    log.info("end-of-day %s: %d loans in %d partitions", day, loans, parts)
    return EodSummary(day, day + timedelta(days=1), loans, parts)


def describe_failure(session: Session, run: EodRun) -> str:
    errors = [e for p in eod_repository.partitions_of(session, run.id) for e in p.errors]
    shown = "; ".join(f"loan {e['loan_id']}: {e['error']}" for e in errors[:5])
    return f"end-of-day {run.business_date} is {run.status}: {len(errors)} loans failed ({shown})"


def run_status(session: Session, run: EodRun) -> dict:
    """Return the run as the API shows it: counts, partitions, and every failed loan."""
    parts = eod_repository.partitions_of(session, run.id)
    return {
        "id": run.id,
        "business_date": run.business_date,
        "status": run.status,
        "loans": run.loans,
        "partitions": run.partitions,
        "partitions_done": sum(p.status == "done" for p in parts),
        "closed": sum(p.closed for p in parts),
        "failed": [e for p in parts for e in p.errors],
        "finished_at": run.finished_at,
    }
