"""Which job runs when: APScheduler cron triggers per job, tenant and counterpart.

A :class:`ScheduledJob` names a Procrastinate task, its cron expression and timezone,
its arguments, and what to do about fires missed while no scheduler ran
(:class:`CatchUp`). Its ``job_key`` (job, tenant, counterpart) together with a fire time
is what the runtime enqueues exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from apscheduler.triggers.cron import CronTrigger

INDIA = "Asia/Kolkata"
_TICK = timedelta(microseconds=1)
MAX_MISSED = 100_000  # why: a bad cron over years of downtime must not loop forever


class CatchUp(StrEnum):
    """Fires missed while no scheduler ran: run the latest once, or skip them all."""

    ONCE = "once"
    SKIP = "skip"


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    task: str  # Procrastinate task name, e.g. "sangam:outbox_deliver"
    cron: str  # five fields: minute hour day month weekday
    timezone: str = INDIA
    queue: str = "default"
    args: Mapping[str, Any] = field(default_factory=dict)
    tenant: str | None = None
    counterpart: str | None = None
    catch_up: CatchUp = CatchUp.ONCE
    grace: timedelta = timedelta(minutes=5)  # later than this counts as missed

    @property
    def job_key(self) -> str:
        return f"{self.name}:{self.tenant or '*'}:{self.counterpart or '*'}"

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=self.timezone)

    def fire_times(self, since: datetime, now: datetime) -> list[datetime]:
        """Return the fire times in ``(since, now]``, oldest first."""
        trigger, found = self.trigger(), []
        at = trigger.get_next_fire_time(None, since + _TICK)
        while at is not None and at <= now and len(found) < MAX_MISSED:
            found.append(at)
            at = trigger.get_next_fire_time(at, at + _TICK)
        return found

    def due(self, since: datetime, now: datetime) -> list[datetime]:
        """Return the fires to enqueue now: on-time ones, plus missed ones per ``catch_up``."""
        times = self.fire_times(since, now)
        on_time = [t for t in times if t >= now - self.grace]
        missed = [t for t in times if t < now - self.grace]
        if missed and self.catch_up is CatchUp.ONCE and not on_time:
            return [missed[-1]]
        return on_time


SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob(
        "outbox_deliver",
        "sangam:outbox_deliver",
        "* * * * *",
        queue="outbox",
        catch_up=CatchUp.SKIP,
    ),
    ScheduledJob(
        "inbox_sweep", "sangam:inbox_sweep", "*/5 * * * *", queue="inbox", catch_up=CatchUp.SKIP
    ),
    ScheduledJob("ledger_verify", "sangam:ledger_verify", "30 1 * * *", queue="ops"),
    # a crashed worker's end-of-day partition is retaken even when no other worker is looping
    ScheduledJob(
        "eod_resume", "sangam:eod_resume", "* * * * *", queue="eod", catch_up=CatchUp.SKIP
    ),
    ScheduledJob(
        "file_sla_check", "sangam:file_sla_check", "*/5 * * * *", queue="ops", catch_up=CatchUp.SKIP
    ),
)
# Per-counterpart file pickups come from data: see schedules/counterparts.py.
