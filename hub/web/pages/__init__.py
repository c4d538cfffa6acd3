"""The dashboard's page modules. Adding a page module is one line in ``PAGE_MODULES``.

Each module ``hub.web.pages.<name>`` exports ``router`` (a FastAPI ``APIRouter``, paths
relative to ``/ui``) and ``NAV`` (a tuple of :class:`hub.web.nav.NavEntry`, may be empty).
See docs/WEB.md.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

PAGE_MODULES: tuple[str, ...] = (
    "approvals",
    "auth",
    "home",
    "hub_ops",
    "loans",
    "nach",
    "recon",
    "upi",
)


def load_pages() -> list[ModuleType]:
    """Import every page module; raises if one lacks ``router`` or ``NAV``."""
    modules = [import_module(f"hub.web.pages.{name}") for name in PAGE_MODULES]
    for module in modules:
        if not hasattr(module, "router") or not hasattr(module, "NAV"):
            raise RuntimeError(f"page module {module.__name__} must define router and NAV")
    return modules
