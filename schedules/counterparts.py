"""Schedules that come from data: a pickup counterpart's ``poll_cron`` becomes a job.

Adding a bank's SFTP pickup every five minutes is then configuration (the counterpart's
config), not code. The scheduler asks for these on every tick, so a counterpart added,
disabled or re-timed takes effect without a restart.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from lms_core.persistence import counterpart_repository, tenant_repository
from schedules.definitions import CatchUp, ScheduledJob

log = logging.getLogger("sangam.scheduler")


def counterpart_jobs(session: Session) -> list[ScheduledJob]:
    """Return one ``file_pickup`` job per enabled counterpart that declares a poll cron."""
    jobs, codes = [], {}
    for row in counterpart_repository.with_config_key(session, "poll_cron"):
        cron = (row.config or {}).get("poll_cron")
        if not (row.enabled and cron):
            continue
        if row.tenant_id not in codes:
            codes[row.tenant_id] = tenant_repository.by_id(session, row.tenant_id).code
        job = ScheduledJob(
            "file_pickup",
            "sangam:file_pickup",
            cron,
            queue="inbox",
            tenant=codes[row.tenant_id],
            counterpart=row.code,
            catch_up=CatchUp.ONCE,  # a missed poll is one poll: the files are still there
        )
        try:
            job.trigger()
        except ValueError as exc:
            log.error("counterpart %s: bad poll_cron %r: %s", row.code, cron, exc)
            continue
        jobs.append(job)
    return jobs
