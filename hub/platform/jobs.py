"""Durable jobs on PostgreSQL (Procrastinate): workers on any number of hosts share one queue.

Jobs are declared next to their domain (``<domain>/tasks.py``) on the :data:`blueprint`
and stay thin: open a session, call a service, commit. A domain lists its task modules
in its ``module.py``; :func:`hub.platform.registry.load_tasks` imports them. The queue's
tables live in the same database (migration 0002 installs Procrastinate's schema).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import procrastinate

from hub.platform import registry

log = logging.getLogger("sangam.jobs")

blueprint = procrastinate.Blueprint()
_state: dict[str, object] = {}


def libpq_url(sqlalchemy_url: str) -> str:
    """Return the plain ``postgresql://`` form of a SQLAlchemy URL (for libpq / psycopg)."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(("postgresql", *parts[1:]))


def make_app(url: str) -> procrastinate.App:
    """Return a (synchronous) app that can defer every domain's jobs."""
    registry.load_tasks()
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=libpq_url(url)))
    app.add_tasks_from(blueprint, namespace="sangam")
    return app


def session_factory():
    """Return the session factory of the running worker (set by :func:`run_worker`)."""
    return _state["session_factory"]


@blueprint.task(name="ledger_verify", queue="ops")
def ledger_verify() -> int:
    """Check ledger invariants; returns the number of violations (also logged)."""
    from lms_core.persistence.ledger import ledger_repository

    with session_factory()() as session:
        problems = ledger_repository.verify(session)
    for problem in problems:
        log.error("ledger violation: %s", problem)
    return len(problems)


def run_worker(rt, concurrency: int = 1) -> None:
    """Run a worker until interrupted, processing every queue."""
    import asyncio

    _state["session_factory"] = rt.session_factory
    registry.load_tasks()
    registry.load_inbox_handlers()  # why: any worker applies any inbox item
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(rt.url)))
    app.add_tasks_from(blueprint, namespace="sangam")

    async def main() -> None:
        async with app.open_async():
            await app.run_worker_async(concurrency=concurrency)

    asyncio.run(main())
