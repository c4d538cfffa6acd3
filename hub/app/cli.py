"""The ``sangam`` command: serve, worker, scheduler, db, demo, sandbox, verify, openapi."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from hub.platform.config import ConfigError

app = typer.Typer(
    help="Sangam: loan origination, servicing and integration hub.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
openapi_app = typer.Typer(help="The OpenAPI description.", no_args_is_help=True)
app.add_typer(db_app, name="db")
schedule_app = typer.Typer(help="Repayment schedules.", no_args_is_help=True)
app.add_typer(openapi_app, name="openapi")
app.add_typer(schedule_app, name="schedule")


def _runtime(migrate: bool = True):
    from hub.platform import runtime

    try:
        return runtime.start(migrate=migrate)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


@app.command()
def version() -> None:
    """Print Sangam's version."""
    from lms_core import __version__

    typer.echo(f"sangam {__version__}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from hub.platform.db.migrate import current, upgrade

    rt = _runtime(migrate=False)
    upgrade(rt.url, revision)
    typer.echo(f"database at revision {current(rt.url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from hub.platform.db.migrate import current

    rt = _runtime(migrate=False)
    typer.echo(current(rt.url) or "empty")


@app.command()
def serve(
    host: str | None = None,
    port: int | None = None,
    access_log: bool = typer.Option(False, help="log every request (uvicorn's access log)"),
    backlog: int = typer.Option(2048, help="connections the listening socket may queue"),
) -> None:
    """Serve the API and pages (migrates an empty database first).

    uvloop and httptools (from ``uvicorn[standard]``) are asked for by name, so a missing
    one fails at start rather than falling back to the slower pure-Python versions.
    """
    import logging

    import uvicorn

    from hub.app.api import create_app

    rt = _runtime()
    api = create_app(rt.settings, rt.session_factory)
    if access_log:  # configure_logging keeps uvicorn's access logger at WARNING otherwise
        logging.getLogger("uvicorn.access").setLevel("INFO")
    uvicorn.run(
        api,
        host=host or rt.settings.host,
        port=port or rt.settings.port,
        log_config=None,
        access_log=access_log,
        backlog=backlog,
        loop="uvloop",
        http="httptools",
    )


@app.command()
def worker(concurrency: int = 1) -> None:
    """Run a durable job worker (Procrastinate on PostgreSQL)."""
    from hub.platform.jobs import run_worker

    rt = _runtime()
    run_worker(rt, concurrency)


@app.command()
def scheduler(interval: float = 1.0) -> None:
    """Run the scheduler: each (job, fire time) is enqueued once however many instances run."""
    from schedules.runtime import run_scheduler

    run_scheduler(_runtime(), interval)


@app.command()
def verify() -> None:
    """Check ledger and audit invariants; exit 1 on any violation."""
    from lms_core.persistence.ledger import ledger_repository
    from lms_core.persistence.platform import audit_repository

    rt = _runtime()
    with rt.session_factory() as session:
        problems = ledger_repository.verify(session) + audit_repository.verify_chain(session)
    for problem in problems:
        typer.echo(f"VIOLATION {problem}")
    if problems:
        raise typer.Exit(1)
    typer.echo("ledger and audit log verified: no violations")


@app.command()
def demo(
    serve: bool = typer.Option(True, help="serve the API after the demo day"),
    port: int | None = None,
) -> None:
    """Set up the demo tenant, run the demo business day, then serve on 127.0.0.1."""
    from hub.app.demo import run_demo

    rt = _runtime()
    run_demo(rt, serve=serve, port=port)


@app.command()
def sandbox(
    only: list[str] = typer.Option([], "--only", help="start only these (repeatable)"),
    root: Path = typer.Option(Path("var/sandbox"), help="folder for the sandboxes' files"),
    seed: int = typer.Option(2026, help="seed for the simulated mix of outcomes"),
    hub_url: str = typer.Option("http://127.0.0.1:8000", help="where sandboxes send webhooks"),
    once: bool = typer.Option(False, help="start, print the endpoints, stop (for scripts)"),
    list_only: bool = typer.Option(False, "--list", help="list the catalog and exit"),
) -> None:
    """Start the counterpart simulators on loopback and print how to reach them."""
    import time

    from connectors.sdk.sandbox.catalog import SandboxEnv, load_catalog
    from connectors.sdk.sandbox.runner import describe, running

    if list_only:
        for name, spec in load_catalog().items():
            typer.echo(f"{name:16} {spec.description}")
        return
    env = SandboxEnv(root=root.resolve(), seed=seed, hub_url=hub_url)
    try:
        with running(env, only) as started:
            typer.echo(json.dumps(describe(started), indent=2))
            while not once:
                time.sleep(1)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("sandboxes stopped")


@openapi_app.command("export")
def openapi_export(out: Path = Path("docs/openapi.json")) -> None:
    """Write the OpenAPI description to OUT (no database needed)."""
    from hub.app.api import create_app
    from hub.platform.config import load_settings

    api = create_app(load_settings(), session_factory=None)  # type: ignore[arg-type]
    out.write_text(json.dumps(api.openapi(), indent=2, sort_keys=True) + "\n")
    typer.echo(f"wrote {out}")


@schedule_app.command("preview")
def schedule_preview(
    terms: Path = typer.Option(..., "--terms", help="loan terms JSON file"),
) -> None:
    """Print the schedule, totals and APR for the terms in FILE as JSON (exit 1 if invalid)."""
    from decimal import Decimal

    from lms_core.terms_json import preview_schedule

    try:
        payload = json.loads(terms.read_text(), parse_float=Decimal)
    except (OSError, ValueError) as exc:
        typer.echo(json.dumps({"errors": [{"field": "", "message": str(exc)}]}), err=True)
        raise typer.Exit(1) from None
    result, problems = preview_schedule(payload)
    if result is None:
        typer.echo(json.dumps({"errors": [p.as_dict() for p in problems]}, indent=2), err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(result, indent=2, default=str))


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
