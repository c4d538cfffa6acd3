"""Reconciliation's manifest: statements and the UTR feed, matching runs, the break desk."""

from hub.platform.manifest import DomainModule

MODULE = DomainModule(
    name="recon",
    routers=("hub.recon.api:router", "hub.recon.desk_api:router"),
    pages=("hub.recon.pages",),
    templates=("hub.recon",),
    tasks=("hub.recon.tasks",),
    inbox_handlers=("hub.recon.ingest",),
    approval_actions=("hub.recon.desk_resolution:ACTIONS",),
)
