"""The demo business day, assembled from the domains' demo steps.

:func:`run_business_days` runs every SETUP step once, then for each business day every
DAY step followed by the tenant's end-of-day, then every END step; each step's summary
lines are collected in that order. The steps are the domains' own (``demo_steps`` in
their ``module.py``); nothing here names a domain.
"""

from __future__ import annotations

import atexit
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.sandbox.http_app import SandboxServer
from hub.app.api import create_app
from hub.platform import registry
from hub.platform.config import get_settings
from hub.platform.demo import DemoContext
from hub.platform.eod.runner import run_eod
from hub.platform.manifest import DemoPhase
from lms_core.persistence.platform import tenant_repository

SEED = 7


def _run(phase: DemoPhase, ctx: DemoContext, summary: dict[str, Any]) -> None:
    for _step, fn in registry.demo_steps(phase):
        lines = fn(ctx)
        if lines:
            summary.update(lines)


def run_business_days(
    factory: sessionmaker[Session], tenant_id: int, loans: int, days: int, seed: int = SEED
) -> dict[str, Any]:
    """Run the demo's setup, ``days`` business days and its close; return the summary."""
    with factory() as session:
        code = tenant_repository.by_id(session, tenant_id).code
    ctx = DemoContext(factory, tenant_id, code, loans, days, random.Random(seed))
    ctx.api_server = _api_server(factory)
    summary: dict[str, Any] = {}
    _run(DemoPhase.SETUP, ctx, summary)
    for day in range(days):
        ctx.day_index = day
        with factory() as session:
            ctx.business_date = tenant_repository.business_date(session, tenant_id)
        _run(DemoPhase.DAY, ctx, summary)
        eod = run_eod(factory, tenant_id)
        ctx.eods.append(f"{eod.business_date}: {eod.loans} loans")
    _run(DemoPhase.END, ctx, summary)
    return summary


_servers: dict[int, SandboxServer] = {}


def _api_server(factory: sessionmaker[Session]) -> Callable[[], SandboxServer]:
    """The hub's API on loopback for counterparts that call back; one per database."""

    def start() -> SandboxServer:
        server = _servers.get(id(factory))
        if server is None:
            server = SandboxServer(create_app(get_settings(), factory)).start()
            atexit.register(server.stop)
            _servers[id(factory)] = server
        return server

    return start


def eod_summary_step(ctx: DemoContext) -> dict[str, Any]:
    """END (the platform's): the day-ends the demo ran."""
    return {"end_of_days": ", ".join(ctx.eods)}
