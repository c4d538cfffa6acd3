"""The dashboard home: business date, loan counts, inbox by status, dead letters."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.platform.auth.permissions import Permission
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.render import render
from lms_core.integration.enums import InboxStatus, OutboundStatus
from lms_core.persistence.integration import inbox_repository, outbox_repository
from lms_core.persistence.loans import loan_repository

router = APIRouter()
NAV = (NavEntry("Dashboard", "/ui/", Permission.AUTHENTICATED, Section.OVERVIEW, order=0),)


@router.get("/")
def home(ctx: PageContext = Depends(page_user(Permission.AUTHENTICATED))) -> Response:
    loans = inbox = outbound = None
    if ctx.can(Permission.LOAN_READ):
        loans = loan_repository.count_by_status(ctx.session, ctx.tenant_id)
    if ctx.can(Permission.HUB_READ):
        counts = inbox_repository.count_by_status(ctx.session, ctx.tenant_id)
        inbox = [(s.value, counts.get(s.value, 0)) for s in InboxStatus]
        outbound = outbox_repository.count_by_status(ctx.session, ctx.tenant_id)
    return render(
        ctx,
        "home.html",
        loans=loans,
        inbox=inbox,
        outbound=outbound,
        dead=(outbound or {}).get(OutboundStatus.DEAD.value, 0),
    )
