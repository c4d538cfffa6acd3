"""The demo business day: what ``sangam demo`` (the README's first command) runs.

It sets up the demo tenant on first run, runs the day's work, checks the ledger, and
then serves the API on 127.0.0.1 so a person can look around. Each capability adds its
flow here, so the demo always shows the whole system working end to end.
"""

from __future__ import annotations

import logging
from datetime import date

import typer
from sqlalchemy.orm import Session

from hub.app.demo.day import run_business_days
from hub.platform.runtime import Runtime
from hub.platform.tenants import DEMO_USERS, create_tenant
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.platform import audit_repository, tenant_repository

log = logging.getLogger("sangam.demo")

DEMO_TENANT = "demo"
DEMO_PASSWORD = "sangam-demo-2026"
DEMO_START = date(2026, 4, 1)


def setup_tenant(session: Session) -> int:
    """Create the demo tenant if it is not there; return its id."""
    tenant = tenant_repository.by_code(session, DEMO_TENANT)
    if tenant is None:
        tenant = create_tenant(
            session,
            DEMO_TENANT,
            "Sangam Demo Finance Ltd (NBFC)",
            DEMO_START,
            DEMO_USERS,
            DEMO_PASSWORD,
        )
        log.info("created demo tenant %s", tenant.id)
    return tenant.id


def run_demo_day(rt: Runtime, loans: int = 300, days: int = 12) -> dict[str, object]:
    """Run the demo business day; return a summary of what happened."""
    with rt.session_factory() as session:
        tenant_id = setup_tenant(session)
        session.commit()
    summary: dict[str, object] = {"tenant_id": tenant_id}
    summary.update(run_business_days(rt.session_factory, tenant_id, loans, days))
    with rt.session_factory() as session:
        summary["business_date"] = tenant_repository.business_date(session, tenant_id)
        problems = ledger_repository.verify(session) + audit_repository.verify_chain(session)
    summary["ledger_violations"] = len(problems)
    return summary


def run_demo(
    rt: Runtime, *, serve: bool = True, port: int | None = None, loans: int = 300, days: int = 12
) -> dict[str, object]:
    summary = run_demo_day(rt, loans, days)
    port = port or rt.settings.port
    base = f"http://127.0.0.1:{port}"
    typer.echo("Sangam demo business day done:")
    for key, value in summary.items():
        typer.echo(f"  {key}: {value}")
    typer.echo(f"Users (password {DEMO_PASSWORD!r}): " + ", ".join(u.username for u in DEMO_USERS))
    if serve:
        import uvicorn

        from hub.app.api import create_app

        typer.echo(f"Serving on {base}  (API docs {base}/api/docs, health {base}/health)")
        uvicorn.run(
            create_app(rt.settings, rt.session_factory),
            host="127.0.0.1",
            port=port,
            log_config=None,
        )
    return summary
