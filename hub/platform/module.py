"""The platform's manifest: sign-in, users and audit, approvals, the job worker's own jobs
and the end-of-day runner's jobs."""

from hub.platform.manifest import DomainModule

MODULE = DomainModule(
    name="platform",
    routers=(
        "hub.platform.auth.api:router",
        "hub.platform.admin_api:router",
        "hub.platform.approvals.api:router",
    ),
    pages=("hub.platform.approvals.pages",),
    templates=("hub.platform.web", "hub.platform.approvals"),
    tasks=("hub.platform.jobs", "hub.platform.eod.tasks"),
)
