"""End-of-day as durable Procrastinate jobs: any number of ``sangam worker`` processes share a run.

:func:`start` creates the run (see :mod:`hub.platform.eod.runner`) and defers ``eod_work`` jobs
for it in the same transaction, one per partition up to :data:`MAX_JOBS`. Each job
closes partitions until none is left to claim, so idle workers pick up the slack and
a job that finds nothing simply ends. ``eod_resume`` (scheduled every minute) defers
one more ``eod_work`` for any run that still has a pending partition nobody holds:
that is how a partition whose worker was killed is retaken even when no other job of
the run is left.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.platform.eod import runner as eod
from hub.platform.jobs import blueprint, session_factory
from lms_core.persistence.platform import eod_repository, job_repository
from lms_core.persistence.platform.eod_models import EodRun

QUEUE = "eod"
MAX_JOBS = 32


def start(session: Session, tenant_id: int, partition_size: int) -> EodRun:
    """Start (or return) the run of the tenant's business date and defer its jobs."""
    run = eod.start_run(session, tenant_id, partition_size)
    if run.status == "running":
        defer_work(session, run, min(max(run.partitions, 1), MAX_JOBS))
    return run


def defer_work(session: Session, run: EodRun, jobs: int) -> None:
    for _ in range(jobs):
        job_repository.defer(session, "sangam:eod_work", {"run_id": run.id}, queue=QUEUE)


@blueprint.task(name="eod_work", queue=QUEUE)
def eod_work(run_id: int) -> int:
    """Close partitions of run ``run_id`` until none is left; return how many."""
    return eod.work(session_factory(), run_id)


@blueprint.task(name="eod_resume", queue=QUEUE)
def eod_resume() -> int:
    """Defer work for runs with a pending, unheld partition; return how many runs."""
    resumed = 0
    with session_factory()() as session:
        for run in eod_repository.running_runs(session):
            if eod_repository.claimable(session, run.id):
                defer_work(session, run, 1)
                resumed += 1
        session.commit()
    return resumed
