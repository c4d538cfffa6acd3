"""UPI AutoPay pages: mandates with their status, one mandate's history and cycles, and
the debit cycles with each attempt's outcome (flagged ones: above the
additional-authentication limit, attempts used up, notice failed).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.collections.upi import views
from hub.collections.upi.rules import CycleStatus
from hub.platform.auth.permissions import Permission
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.pagination import Pager, pager_from_query
from hub.platform.web.render import render
from lms_core.collections.enums import MandateStatus
from lms_core.persistence.collections import upi_repository as repository

router = APIRouter()
NAV = (
    NavEntry("UPI mandates", "/ui/upi", Permission.LOAN_READ, Section.COLLECTIONS, 40),
    NavEntry("UPI debits", "/ui/upi/cycles", Permission.LOAN_READ, Section.COLLECTIONS, 41),
)
READ = Depends(page_user(Permission.LOAN_READ))
FLAGGED = (CycleStatus.NEEDS_AUTH, CycleStatus.EXHAUSTED, CycleStatus.NOTICE_FAILED)


@router.get("/upi")
def mandates(
    status: str | None = None, pager: Pager = Depends(pager_from_query), ctx: PageContext = READ
) -> Response:
    rows = views.mandates(
        ctx.session, ctx.tenant_id, status=status or None, limit=pager.fetch, offset=pager.offset
    )
    return render(
        ctx,
        "upi/mandates.html",
        page=pager.page(rows, ctx.request),
        status=status,
        statuses=[str(s) for s in MandateStatus],
        counts=repository.status_counts(ctx.session, ctx.tenant_id),
    )


@router.get("/upi/mandates/{mandate_id}")
def mandate(mandate_id: int, ctx: PageContext = READ) -> Response:
    return render(
        ctx, "upi/mandate.html", m=views.mandate_detail(ctx.session, ctx.tenant_id, mandate_id)
    )


@router.get("/upi/cycles")
def cycles(
    status: str | None = None, pager: Pager = Depends(pager_from_query), ctx: PageContext = READ
) -> Response:
    rows = views.cycles(
        ctx.session, ctx.tenant_id, status=status or None, limit=pager.fetch, offset=pager.offset
    )
    return render(
        ctx,
        "upi/cycles.html",
        page=pager.page(rows, ctx.request),
        status=status,
        statuses=[str(s) for s in CycleStatus],
        flagged=[str(s) for s in FLAGGED],
    )
