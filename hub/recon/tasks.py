"""Reconciliation jobs: run matching for a tenant (after statements land, at day end).

Importing this module also registers the statement and UTR-feed inbox handlers
(:mod:`hub.recon.ingest`), so a worker that runs inbox jobs can apply statements.
"""

from __future__ import annotations

from hub.platform.jobs import blueprint, session_factory
from hub.recon.run import run_reconciliation


@blueprint.task(name="recon_run", queue="recon")
def recon_run(tenant_id: int) -> dict | None:
    """Run matching for ``tenant_id`` in one transaction; return the run summary."""
    with session_factory()() as session:
        run = run_reconciliation(session, tenant_id, triggered_by="job:recon_run")
        session.commit()
        return run.summary
