"""The versioned API routers, mounted under /api/v1 by the app factory."""

from hub.api.routes import (
    admin,
    approvals,
    auth,
    collections,
    credit_lines,
    eod,
    hub_files,
    hub_ops,
    ledger,
    loan_lifecycle,
    loans,
    recon,
    recon_desk,
    schedules,
    upi,
    webhooks,
)

ROUTERS = [
    auth.router,
    admin.router,
    ledger.router,
    schedules.router,
    loans.router,
    loan_lifecycle.router,
    approvals.router,
    eod.router,
    credit_lines.router,
    hub_ops.router,
    hub_files.router,
    webhooks.router,
    recon.router,
    recon_desk.router,
    upi.router,
    collections.router,
]
