"""NACH collection pages: the mandate registry, ACH presentations, returns.

* ``/ui/mandates``: every mandate (NACH physical, e-mandate, UPI AutoPay) with status,
  filterable; one mandate's page shows its status history and can cancel it.
* ``/ui/nach/presentations``: each ACH debit file by settlement date with collected /
  returned / open counts and amounts; a file's page lists its items.
* ``/ui/nach/returns``: bounce reasons (count and amount, with the NPCI description) and
  the returned items waiting for their re-presentation date.

Reads need ``loan:read``; cancelling a mandate needs ``loan:write`` and is audited like
the API's ``POST /mandates/{id}/cancel``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from formats.nach.reasons import REASON_CODES
from hub.collections import mandates as svc
from hub.platform.auth.permissions import Permission
from hub.platform.errors import Conflict, NotFound, Unprocessable
from hub.platform.http.deps import audit
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.pagination import Pager, pager_from_query
from hub.platform.web.render import render
from lms_core.collections.enums import MandateKind, MandateStatus
from lms_core.persistence.collections import mandate_repository, nach_repository

router = APIRouter()
NAV = (
    NavEntry("Mandates", "/ui/mandates", Permission.LOAN_READ, Section.COLLECTIONS, 10),
    NavEntry("NACH presentations", "/ui/nach/presentations", Permission.LOAN_READ,
             Section.COLLECTIONS, 20),
    NavEntry("NACH returns", "/ui/nach/returns", Permission.LOAN_READ, Section.COLLECTIONS, 30),
)  # fmt: skip
READ = Depends(page_user(Permission.LOAN_READ))


@router.get("/mandates")
def mandates(
    status: str | None = None,
    kind: str | None = None,
    pager: Pager = Depends(pager_from_query),
    ctx: PageContext = READ,
) -> Response:
    rows = mandate_repository.list_mandates(
        ctx.session,
        ctx.tenant_id,
        status=status or None,
        kind=kind or None,
        limit=pager.fetch,
        offset=pager.offset,
    )
    return render(
        ctx,
        "nach/mandates.html",
        page=pager.page(rows, ctx.request),
        status=status,
        kind=kind,
        statuses=[str(s) for s in MandateStatus],
        kinds=[str(k) for k in MandateKind],
    )


@router.get("/mandates/{mandate_id}")
def mandate(mandate_id: int, ctx: PageContext = READ) -> Response:
    row = svc.get(ctx.session, ctx.tenant_id, mandate_id)
    history = svc.history(ctx.session, ctx.tenant_id, mandate_id)
    return render(ctx, "nach/mandate.html", m=row, history=history)


@router.post("/mandates/{mandate_id}/cancel")
def cancel(
    mandate_id: int,
    reason: str = Form(...),
    ctx: PageContext = Depends(page_user(Permission.LOAN_WRITE)),
) -> Response:
    where = f"/ui/mandates/{mandate_id}"
    if not reason.strip():
        return ctx.redirect(where, flash=("error", "give a reason to cancel the mandate"))
    try:
        row = svc.cancel(
            ctx.session, ctx.tenant_id, mandate_id, reason.strip(), ctx.principal.username
        )
    except (Conflict, Unprocessable) as exc:  # a mandate already closed, a bad state
        return ctx.redirect(where, flash=("error", exc.detail))
    after = {"status": row.status, "reason": reason.strip()}
    audit(ctx.session, ctx.principal, "mandate.cancel", "mandate", mandate_id, None, after)
    done = row.status.replace("_", " ")  # "cancel requested": the bank confirms later
    return ctx.redirect(where, flash=("ok", f"mandate {row.request_id} {done}"))


@router.get("/nach/presentations")
def presentations(pager: Pager = Depends(pager_from_query), ctx: PageContext = READ) -> Response:
    rows = nach_repository.presentation_summaries(
        ctx.session, ctx.tenant_id, limit=pager.fetch, offset=pager.offset
    )
    return render(ctx, "nach/presentations.html", page=pager.page(rows, ctx.request))


@router.get("/nach/presentations/{presentation_id}")
def presentation(presentation_id: int, ctx: PageContext = READ) -> Response:
    row = nach_repository.presentation(ctx.session, ctx.tenant_id, presentation_id)
    if row is None:
        raise NotFound(f"no presentation {presentation_id}")
    items = nach_repository.items_of(ctx.session, presentation_id)
    return render(ctx, "nach/presentation.html", p=row, items=items, reasons=REASON_CODES)


@router.get("/nach/returns")
def returns(ctx: PageContext = READ) -> Response:
    reasons = [
        (code, REASON_CODES[code].description if code in REASON_CODES else "unknown", n, amount)
        for code, n, amount in nach_repository.bounce_reasons(ctx.session, ctx.tenant_id)
    ]
    waiting = nach_repository.scheduled_representations(ctx.session, ctx.tenant_id)
    return render(ctx, "nach/returns.html", reasons=reasons, waiting=waiting, codes=REASON_CODES)
