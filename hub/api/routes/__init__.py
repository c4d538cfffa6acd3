"""The versioned API routers, mounted under /api/v1 by the app factory."""

from hub.api.routes import admin, auth, hub_files, hub_ops, ledger, loans, schedules, webhooks

ROUTERS = [
    auth.router,
    admin.router,
    ledger.router,
    schedules.router,
    loans.router,
    hub_ops.router,
    hub_files.router,
    webhooks.router,
]
