"""The application's domains, listed once: each entry is a ``module.py`` manifest.

Order matters only for the API description and the dashboard's navigation. A new domain
adds its ``hub/<domain>/module.py`` and one line here (docs/ARCHITECTURE.md).
"""

MODULES: tuple[str, ...] = (
    "hub.platform.module",
    "hub.integration.module",
    "hub.ledger.module",
    "hub.loans.module",
    "hub.collections.module",
    "hub.recon.module",
    "hub.app.module",
)
