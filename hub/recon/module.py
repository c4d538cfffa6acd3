"""Reconciliation's manifest: statements and the UTR feed, matching runs, the break desk."""

from hub.platform.manifest import DemoPhase, DemoStep, DomainModule

MODULE = DomainModule(
    name="recon",
    public=("hub.recon.expected",),
    routers=("hub.recon.api:router", "hub.recon.desk_api:router"),
    pages=("hub.recon.pages",),
    templates=("hub.recon",),
    tasks=("hub.recon.tasks",),
    inbox_handlers=("hub.recon.ingest",),
    approval_actions=("hub.recon.desk_resolution:ACTIONS",),
    demo_steps=(DemoStep("recon.escrow_day", DemoPhase.END, 300, "hub.recon.desk_demo:end_step"),),
)
