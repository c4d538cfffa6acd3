"""The integration hub's manifest: inbox, outbox, counterparts, webhooks, file pickups."""

from hub.platform.manifest import DomainModule

MODULE = DomainModule(
    name="integration",
    routers=(
        "hub.integration.api.ops:router",
        "hub.integration.api.files:router",
        "hub.integration.api.webhooks:router",
    ),
    pages=("hub.integration.pages",),
    templates=("hub.integration",),
    tasks=("hub.integration.inbox.tasks", "hub.integration.outbox.tasks"),
)
