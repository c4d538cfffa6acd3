"""The scheduler runtime: enqueue each (job, fire time) once, however many instances run.

Every instance ticks (about once a second): for each :class:`ScheduledJob` it computes
the fires due since the job's last recorded fire, and for each one, in one transaction,
inserts ``schedule_fire (job_key, fire_time)`` with ``ON CONFLICT DO NOTHING`` and, only
if that insert won, defers the Procrastinate job. The row and the job commit together,
so a fire is never lost between "claimed" and "enqueued", and a second instance's insert
of the same fire does nothing. After downtime, missed fires follow the job's catch-up
policy (run the latest once, or skip).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from lms_core.persistence.platform import job_repository, tenant_repository
from schedules.counterparts import counterpart_jobs
from schedules.definitions import SCHEDULE, ScheduledJob

log = logging.getLogger("sangam.scheduler")


def fire(session: Session, job: ScheduledJob, fire_time: datetime, instance: str) -> int | None:
    """Claim ``(job, fire_time)`` and defer its task in the session's transaction.

    Returns the Procrastinate job id, or None if another instance already fired it.
    """
    tenant_id = None
    if job.tenant:
        tenant = tenant_repository.by_code(session, job.tenant)
        tenant_id = tenant.id if tenant else None
    if not job_repository.claim_fire(session, job.job_key, fire_time, instance, tenant_id):
        return None
    args = dict(job.args)
    if tenant_id is not None:
        args["tenant_id"] = tenant_id
    if job.counterpart:
        args["counterpart"] = job.counterpart
    job_id = job_repository.defer(
        session, job.task, args, queue=job.queue, lock=job.job_key, scheduled_at=fire_time
    )
    job_repository.attach_job(session, job.job_key, fire_time, job_id)
    return job_id


@dataclass
class SchedulerRuntime:
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime]
    jobs: Iterable[ScheduledJob] = SCHEDULE
    instance: str = f"{socket.gethostname()}:{os.getpid()}"
    started_at: datetime | None = None  # a never-fired job counts fires from here

    def tick(self) -> list[tuple[str, datetime]]:
        """Enqueue every due fire this instance wins; return ``(job_key, fire_time)`` s."""
        now, won = self.clock(), []
        self.started_at = self.started_at or now
        with self.session_factory() as session:
            jobs = [*self.jobs, *counterpart_jobs(session)]
        for job in jobs:
            with self.session_factory() as session:
                since = job_repository.last_fire(session, job.job_key) or self.started_at
            for at in job.due(since, now):
                with self.session_factory() as session:
                    if fire(session, job, at, self.instance) is not None:
                        won.append((job.job_key, at))
                    session.commit()
        return won

    def run(self, stop: threading.Event, interval_s: float = 1.0) -> None:
        """Tick until ``stop`` is set; a failing tick is logged and retried next time."""
        log.info("scheduler %s started with %d jobs", self.instance, len(list(self.jobs)))
        while not stop.is_set():
            try:
                for key, at in self.tick():
                    log.info("enqueued %s for %s", key, at.isoformat())
            except Exception:  # why: the database may be briefly away; keep ticking
                log.exception("scheduler tick failed")
            stop.wait(interval_s)


def run_scheduler(rt, interval_s: float = 1.0) -> None:
    """Run the scheduler in the foreground until interrupted (``sangam scheduler``)."""
    from hub.integration.inbox.service import wall_clock

    stop = threading.Event()
    runtime = SchedulerRuntime(rt.session_factory, wall_clock)
    try:
        runtime.run(stop, interval_s)
    except KeyboardInterrupt:
        stop.set()
