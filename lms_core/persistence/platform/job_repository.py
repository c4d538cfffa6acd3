"""SQL for the job queue seen from the hub: transactional defer, schedule fires, job runs.

:func:`defer` inserts a Procrastinate job through its own SQL function *inside the
caller's transaction*, so "store the inbox item" and "enqueue its processing" commit
together or not at all. :func:`claim_fire` is the scheduler's exactly-once gate: the
primary key ``(job_key, fire_time)`` lets one ``INSERT ... ON CONFLICT DO NOTHING`` win.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from lms_core.persistence.integration.models import ScheduleFire

_DEFER = """
select unnest(procrastinate_defer_jobs_v1(array[row(
  :queue, :task, :priority, :lock, :queueing_lock, cast(:args as jsonb), :scheduled_at
)::procrastinate_job_to_defer_v1]))
"""


def defer(
    session: Session,
    task_name: str,
    args: dict[str, Any],
    *,
    queue: str = "default",
    lock: str | None = None,
    queueing_lock: str | None = None,
    scheduled_at: datetime | None = None,
    priority: int = 0,
) -> int:
    """Enqueue a Procrastinate job in the session's transaction; return its id."""
    params = {
        "queue": queue,
        "task": task_name,
        "priority": priority,
        "lock": lock,
        "queueing_lock": queueing_lock,
        "args": json.dumps(args),
        "scheduled_at": scheduled_at,
    }
    return session.scalar(text(_DEFER), params)


def claim_fire(
    session: Session, job_key: str, fire_time: datetime, worker: str, tenant_id: int | None
) -> bool:
    """Record that ``job_key`` fired at ``fire_time``; False if another instance did."""
    row = session.execute(
        text(
            "insert into schedule_fire (job_key, fire_time, tenant_id, claimed_by) "
            "values (:k, :f, :t, :w) on conflict do nothing returning job_key"
        ),
        {"k": job_key, "f": fire_time, "t": tenant_id, "w": worker},
    ).first()
    return row is not None


def attach_job(session: Session, job_key: str, fire_time: datetime, job_id: int) -> None:
    session.execute(
        update(ScheduleFire)
        .where(ScheduleFire.job_key == job_key, ScheduleFire.fire_time == fire_time)
        .values(procrastinate_job_id=job_id)
    )


def last_fire(session: Session, job_key: str) -> datetime | None:
    return session.scalar(
        text("select max(fire_time) from schedule_fire where job_key = :k"), {"k": job_key}
    )


def fires(session: Session, job_key: str) -> list[datetime]:
    rows = session.scalars(
        text("select fire_time from schedule_fire where job_key = :k order by fire_time"),
        {"k": job_key},
    )
    return list(rows)


def job_runs(
    session: Session,
    *,
    task_prefix: str = "",
    status: str | None = None,
    limit: int = 50,
    tenant_id: int | None = None,
) -> list[dict[str, Any]]:
    """Recent Procrastinate jobs (id, task, status, attempts, args, times), newest first.

    With ``tenant_id``, jobs whose args name another tenant are left out."""
    sql = (
        "select j.id, j.task_name, j.status, j.attempts, j.args, j.queue_name, "
        "j.scheduled_at, (select max(e.at) from procrastinate_events e "
        " where e.job_id = j.id) as last_event_at "
        "from procrastinate_jobs j where j.task_name like :prefix "
        + ("and j.status = :status " if status else "")
        + (
            "and coalesce(j.args->>'tenant_id', :tenant) = :tenant "
            if tenant_id is not None
            else ""
        )
        + "order by j.id desc limit :limit"
    )
    params: dict[str, Any] = {"prefix": task_prefix + "%", "limit": limit}
    if status:
        params["status"] = status
    if tenant_id is not None:
        params["tenant"] = str(tenant_id)
    return [dict(r._mapping) for r in session.execute(text(sql), params)]


def recent_fires(session: Session, tenant_id: int, limit: int = 50) -> list[ScheduleFire]:
    """Latest schedule fires of ``tenant_id`` and of tenant-wide jobs, newest first."""
    stmt = (
        select(ScheduleFire)
        .where((ScheduleFire.tenant_id == tenant_id) | ScheduleFire.tenant_id.is_(None))
        .order_by(ScheduleFire.fire_time.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
