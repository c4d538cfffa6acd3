"""Scheduler: each (job, fire time) is enqueued once however many instances race, and
fires missed during downtime follow the job's catch-up policy."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from lms_core.persistence.platform import job_repository
from schedules.definitions import CatchUp, ScheduledJob
from schedules.runtime import SchedulerRuntime, fire
from tests.support.clock import FakeClock

HOURLY = "0 * * * *"


def at(hh: int, mm: int = 0) -> datetime:
    return datetime(2024, 4, 1, hh, mm, tzinfo=UTC)


def hourly(**kw) -> ScheduledJob:
    return ScheduledJob("mis", "sangam:test_noop", HOURLY, timezone="UTC", **kw)


@pytest.mark.parametrize(
    ("catch_up", "now", "due"),
    [
        (CatchUp.ONCE, at(12, 30), [at(12)]),  # three hours missed: the latest runs once
        (CatchUp.SKIP, at(12, 30), []),
        (CatchUp.SKIP, at(12, 2), [at(12)]),  # within grace: on time, not missed
        (CatchUp.ONCE, at(9, 59), []),
    ],
)
def test_due_fires_after_downtime(catch_up, now, due):
    assert hourly(catch_up=catch_up).due(at(9), now) == due


def _jobs(session, job_key: str) -> int:
    return session.scalar(
        text("select count(*) from procrastinate_jobs where lock = :k"), {"k": job_key}
    )


def test_racing_instances_enqueue_a_fire_once(committed):
    job = hourly(tenant=committed.tenant_code)
    start, won = threading.Barrier(8), []

    def instance(n: int) -> None:
        with committed.factory() as session:
            start.wait()
            job_id = fire(session, job, at(10), f"scheduler-{n}")
            session.commit()
        won.append(job_id)

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([w for w in won if w is not None]) == 1
    with committed.factory() as session:
        assert _jobs(session, job.job_key) == 1
        assert job_repository.fires(session, job.job_key) == [at(10)]


def test_two_scheduler_processes_ticking_together_fire_each_time_once(committed):
    job = hourly(tenant=committed.tenant_code)
    clock = FakeClock(at(9, 59))
    runtimes = [
        SchedulerRuntime(committed.factory, clock, jobs=(job,), instance=f"s{n}") for n in (1, 2)
    ]
    for r in runtimes:
        assert r.tick() == []
    clock.now = at(
        10,
        0,
    )
    results: list = []
    threads = [threading.Thread(target=lambda r=r: results.extend(r.tick())) for r in runtimes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(job.job_key, at(10))]
    clock.now = at(13, 30)  # both were down for three hours
    assert [r.tick() for r in runtimes] == [[(job.job_key, at(13))], []]
    with committed.factory() as session:
        assert job_repository.fires(session, job.job_key) == [at(10), at(13)]
        assert _jobs(session, job.job_key) == 2
        args = session.scalar(
            text("select args from procrastinate_jobs where lock = :k limit 1"),
            {"k": job.job_key},
        )
        assert args == {"tenant_id": committed.tenant_id}
