"""Jinja2 templates for the dashboard, with the shell's filters and globals.

The shell's templates live in ``hub/platform/web/templates``; a domain's pages keep theirs
next to them (``hub/<domain>/templates/<feature>/``, declared in its ``module.py``), all
extending ``base.html``. :func:`render` passes ``ctx`` (the :class:`PageContext`) and the
navigation the user may see; filters: ``inr`` (Indian-grouped rupees), ``when`` (IST
timestamps), ``badge`` (CSS class for a status word); global ``ui``: the macros of
``_macros.html`` (csrf, action, badge, filters, pagination).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub.platform.web import nav
from hub.platform.web import session as web_session
from hub.platform.web.deps import PageContext
from hub.platform.web.formatting import inr, when

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def use_template_dirs(dirs: list[Path]) -> None:
    """Look templates up in ``dirs`` (the shell's first, then each module's)."""
    TEMPLATES.env.loader = jinja2.FileSystemLoader([str(d) for d in dirs])


# why: one colour per meaning, so "dead", "failed" and "quarantined" read alike everywhere
_BADGES = {
    "ok": {"applied", "delivered", "succeeded", "active", "paid", "enabled", "standard", "up"},
    "warn": {"partial", "partly_paid", "retry", "delivering", "processing", "todo", "doing"},
    "bad": {"dead", "failed", "rejected", "quarantined", "cancelled", "npa", "disabled", "down"},
    "info": {"received", "pending", "duplicate", "unpaid", "closed"},
}


def badge(status: object) -> str:
    word = str(status).lower()
    for kind, words in _BADGES.items():
        if word in words:
            return f"badge badge-{kind}"
    return "badge"


TEMPLATES.env.filters.update(inr=inr, when=when, badge=badge)
# why: a global, so macros are at hand in every template, even in imported macro files
TEMPLATES.env.globals["ui"] = TEMPLATES.env.get_template("_macros.html").module


def render(ctx: PageContext, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` for the signed-in user; shown flash messages are cleared."""
    sections = nav.visible(ctx.request.app.state.web_nav, ctx.permissions)
    tenants = web_session.verified_tenants(ctx.request, ctx.principal.username)
    context = {"ctx": ctx, "nav_sections": sections, "switch_tenants": tenants, **values}
    response = TEMPLATES.TemplateResponse(ctx.request, template, context, status_code=status_code)
    if ctx.flashes:
        response.delete_cookie(web_session.FLASH_COOKIE, path=web_session.COOKIE_PATH)
    return response


def render_bare(request: Request, template: str, status_code: int = 200, **values: Any):
    """Render a page outside a session (login, errors): no navigation, no tenant."""
    context = {"ctx": None, "nav_sections": [], "switch_tenants": [], **values}
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
