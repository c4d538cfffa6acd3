"""The versioned API routers, mounted under /api/v1 by the app factory."""

from hub.api.routes import admin, auth, ledger

ROUTERS = [auth.router, admin.router, ledger.router]
