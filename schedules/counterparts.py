"""Schedules that come from data: a counterpart's config names its own scheduled jobs.

* ``poll_cron`` on a pickup counterpart becomes a ``file_pickup`` job;
* ``job_crons: {task: cron}`` on any counterpart schedules those tasks for it, e.g. a
  sponsor bank's ``{"nach_present": "30 7 * * 1-6", "nach_register_mandates": "0 18 * * *",
  "nach_cancel_mandates": "15 18 * * *"}``
  or a PSP's ``{"upi_execute_due": "0 10 * * *"}``. Only tasks listed in
  :data:`COUNTERPART_TASKS` may be named (a config value never picks arbitrary code).

Every such task takes ``(tenant_id, counterpart)``. Adding a bank's schedule is then
configuration, not code. The scheduler asks for these on every tick, so a counterpart
added, disabled or re-timed takes effect without a restart.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.platform import tenant_repository
from schedules.definitions import CatchUp, ScheduledJob

log = logging.getLogger("sangam.scheduler")

# task name -> (queue, catch-up policy): the tasks a counterpart's config may schedule
COUNTERPART_TASKS: dict[str, tuple[str, CatchUp]] = {
    "file_pickup": ("inbox", CatchUp.ONCE),  # a missed poll is one poll: files wait
    "nach_present": ("collections", CatchUp.ONCE),  # a missed cut-off still presents once
    "nach_register_mandates": ("collections", CatchUp.ONCE),
    "nach_cancel_mandates": ("collections", CatchUp.ONCE),  # pending pain.011s wait anyway
    "upi_execute_due": ("collections", CatchUp.ONCE),
}


def _wanted(config: dict) -> dict[str, str]:
    crons = dict(config.get("job_crons") or {})
    if config.get("poll_cron"):
        crons.setdefault("file_pickup", config["poll_cron"])
    return crons


def counterpart_jobs(session: Session) -> list[ScheduledJob]:
    """Return the scheduled jobs every enabled counterpart's config asks for."""
    jobs, codes = [], {}
    for row in counterpart_repository.with_config_key(session, "poll_cron", "job_crons"):
        if not row.enabled:
            continue
        if row.tenant_id not in codes:
            codes[row.tenant_id] = tenant_repository.by_id(session, row.tenant_id).code
        for task, cron in sorted(_wanted(row.config or {}).items()):
            job = _job(task, cron, codes[row.tenant_id], row.code)
            if job is not None:
                jobs.append(job)
    return jobs


def _job(task: str, cron: str, tenant: str, code: str) -> ScheduledJob | None:
    if task not in COUNTERPART_TASKS:
        log.error("counterpart %s: %r is not a task a counterpart may schedule", code, task)
        return None
    queue, catch_up = COUNTERPART_TASKS[task]
    job = ScheduledJob(
        task, f"sangam:{task}", cron, queue=queue, tenant=tenant, counterpart=code,
        catch_up=catch_up,
    )  # fmt: skip
    try:
        job.trigger()
    except ValueError as exc:
        log.error("counterpart %s: bad cron %r for %s: %s", code, cron, task, exc)
        return None
    return job
