"""Loan pages for operations staff: a searchable list and a loan's detail.

The detail is the servicing read models (``hub.loans.views``): position summary,
the current schedule with what was paid of each installment, repayments, plus the
loan's events and its hub timeline (inbound and outbound messages that name it).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from hub.integration.timeline import timeline
from hub.loans import views
from hub.platform.auth.permissions import Permission
from hub.platform.errors import NotFound
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.pagination import Pager, pager_from_query
from hub.platform.web.render import render
from lms_core.persistence.loans import loan_repository

router = APIRouter()
NAV = (
    NavEntry("Loans", "/ui/loans", Permission.LOAN_READ, Section.LOANS, 10),
    NavEntry(
        "Overdue loans",
        "/ui/loans?status=active&overdue=1",
        Permission.LOAN_READ,
        Section.LOANS,
        20,
    ),
)
READ = Depends(page_user(Permission.LOAN_READ))


@router.get("/loans")
def loan_list(
    q: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    pager: Pager = Depends(pager_from_query),
    ctx: PageContext = READ,
) -> Response:
    rows = loan_repository.search_loans(
        ctx.session,
        ctx.tenant_id,
        query=q or None,
        status=status or None,
        overdue=overdue,
        limit=pager.fetch,
        offset=pager.offset,
    )
    page = pager.page(rows, ctx.request)
    counts = loan_repository.count_by_status(ctx.session, ctx.tenant_id)
    statuses = sorted(s for s in counts if s != "overdue")  # the statuses that occur
    return render(
        ctx, "loans/list.html", page=page, q=q, status=status, overdue=overdue, statuses=statuses
    )


@router.get("/loans/{loan_id}")
def loan_detail(loan_id: int, ctx: PageContext = READ) -> Response:
    loan = loan_repository.get_loan(ctx.session, ctx.tenant_id, loan_id)
    if loan is None:
        raise NotFound(f"no loan {loan_id}")
    events = loan_repository.events(ctx.session, loan.id)
    messages = []
    if ctx.can(Permission.HUB_READ):
        messages = timeline(ctx.session, ctx.tenant_id, "loan", str(loan.id))
    return render(
        ctx,
        "loans/detail.html",
        loan=loan,
        summary=views.summary(ctx.session, ctx.tenant_id, loan),
        schedule=views.schedule(ctx.session, loan),
        transactions=views.transactions(ctx.session, loan),
        events=events,
        messages=messages,
    )
