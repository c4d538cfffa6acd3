"""Break desk pages: the queue, a break side by side with its candidates, approvals, summary.

The pages call the same services as the REST API (:mod:`hub.recon.desk`,
:mod:`hub.recon.desk_match`, :mod:`hub.recon.desk_resolution`), which audit every write.
Expected refusals (already matched, own request, over the limit) come back as a flash
message on the page they were made from, not as an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response

from hub.platform.auth.permissions import Permission
from hub.platform.errors import SangamError
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.render import render
from hub.recon import desk, desk_export, desk_match, desk_resolution, desk_summary
from hub.recon.desk import QueueFilter, RootCause
from hub.recon.desk_api import queue_filter
from lms_core.money import D
from lms_core.persistence.platform import user_repository
from lms_core.persistence.recon import desk_repository as repo
from lms_core.recon.breaks import BreakReason
from lms_core.recon.resolutions import ReasonCode, ResolutionKind

router = APIRouter()
NAV = (
    NavEntry("Break desk", "/ui/recon/breaks", Permission.RECON_READ, Section.RECONCILIATION, 10),
    NavEntry("Approvals", "/ui/recon/approvals", Permission.RECON_READ, Section.RECONCILIATION, 20),
    NavEntry("Run summary", "/ui/recon/summary", Permission.RECON_READ, Section.RECONCILIATION, 30),
)
READ = page_user(Permission.RECON_READ)
RESOLVE = page_user(Permission.RECON_RESOLVE)
APPROVE = page_user(Permission.RECON_APPROVE)
REASONS = [*BreakReason, desk_match.UNMATCH_REASON]


def _attempt(ctx: PageContext, back: str, action: Callable[[], Any], done: str) -> Response:
    """Run ``action``; flash ``done`` or the refusal, and go back to ``back``."""
    savepoint = ctx.session.begin_nested()  # why: a refusal must leave no half-done write
    try:
        action()
        savepoint.commit()
    except SangamError as exc:
        savepoint.rollback()
        problems = "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
        return ctx.redirect(back, flash=("error", f"{exc.detail} {problems}".strip()))
    return ctx.redirect(back, flash=("ok", done))


@router.get("/recon/breaks")
def queue(
    f: QueueFilter = Depends(queue_filter),
    offset: int = Query(0, ge=0),
    ctx: PageContext = Depends(READ),
) -> Response:
    view = desk.queue_view(ctx.session, ctx.tenant_id, f, limit=101, offset=offset)
    query = str(ctx.request.url.query)
    more = len(view.rows) > 100
    return render(
        ctx,
        "recon/queue.html",
        view=view,
        rows=view.rows[:100],
        f=f,
        reasons=REASONS,
        query=query,
        next_offset=offset + 100 if more else None,
    )


@router.get("/recon/breaks/export")
def export(
    f: QueueFilter = Depends(queue_filter),
    fmt: str = Query("csv", alias="format", pattern="^(csv|xlsx)$"),
    ctx: PageContext = Depends(READ),
) -> Response:
    view = desk.queue_view(ctx.session, ctx.tenant_id, f, limit=100_000)
    name = f"breaks_{view.business_date:%Y%m%d}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if fmt == "xlsx":
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(desk_export.queue_xlsx(view.rows), media_type=media, headers=headers)
    return Response(desk_export.queue_csv(view.rows), media_type="text/csv", headers=headers)


@router.get("/recon/breaks/{break_id}")
def break_page(break_id: int, ctx: PageContext = Depends(READ)) -> Response:
    view = desk.break_view(ctx.session, ctx.tenant_id, break_id)
    return render(
        ctx,
        "recon/break.html",
        v=view,
        users=[u.username for u in user_repository.list_users(ctx.session, ctx.tenant_id)],
        root_causes=list(RootCause),
        reason_codes=list(ReasonCode),
        kinds=list(ResolutionKind),
        threshold=desk_resolution.approval_threshold(ctx.session, ctx.tenant_id),
    )


def _back(break_id: int) -> str:
    return f"/ui/recon/breaks/{break_id}"


@router.post("/recon/breaks/{break_id}/match")
def match(
    break_id: int, pick: list[str] = Form([]), ctx: PageContext = Depends(RESOLVE)
) -> Response:
    """Match the break's item with the ticked candidates (``pick`` = ``side:id``)."""
    view = desk.break_view(ctx.session, ctx.tenant_id, break_id)
    ids: dict[str, list[int]] = {"actual": [], "expected": []}
    ids[view.row.side].append(view.item.id)
    for chosen in pick:
        side, _, number = chosen.partition(":")
        if side in ids and number.isdigit():
            ids[side].append(int(number))

    def act() -> None:
        desk_match.manual_match(ctx.session, ctx.principal, ids["actual"], ids["expected"])

    return _attempt(ctx, _back(break_id), act, f"break {break_id} matched by hand")


@router.post("/recon/matches/{group_id}/undo")
def undo(group_id: int, break_id: int = Form(...), ctx: PageContext = Depends(RESOLVE)) -> Response:
    act = lambda: desk_match.unmatch(ctx.session, ctx.principal, group_id)  # noqa: E731
    return _attempt(ctx, _back(break_id), act, f"match {group_id} undone")


@router.post("/recon/breaks/{break_id}/assign")
def assign(
    break_id: int, username: str = Form(""), ctx: PageContext = Depends(RESOLVE)
) -> Response:
    act = lambda: desk.assign(ctx.session, ctx.principal, break_id, username or None)  # noqa: E731
    return _attempt(ctx, _back(break_id), act, f"assigned to {username or 'nobody'}")


@router.post("/recon/breaks/{break_id}/root-cause")
def root_cause(
    break_id: int, root_cause: str = Form(...), ctx: PageContext = Depends(RESOLVE)
) -> Response:
    act = lambda: desk.set_root_cause(ctx.session, ctx.principal, break_id, root_cause)  # noqa: E731
    return _attempt(ctx, _back(break_id), act, f"root cause: {root_cause}")


@router.post("/recon/breaks/{break_id}/comment")
def comment(break_id: int, body: str = Form(""), ctx: PageContext = Depends(RESOLVE)) -> Response:
    act = lambda: desk.comment(ctx.session, ctx.principal, break_id, body)  # noqa: E731
    return _attempt(ctx, _back(break_id), act, "comment added")


@router.post("/recon/breaks/{break_id}/resolve")
def resolve(
    break_id: int,
    kind: str = Form(...),
    reason_code: str = Form(...),
    amount: str = Form(""),
    note: str = Form(""),
    ctx: PageContext = Depends(RESOLVE),
) -> Response:
    outcome: dict[str, str] = {}

    def act() -> None:
        value: Decimal | None = D(amount.replace(",", "")) if amount.strip() else None
        res = desk_resolution.request_resolution(
            ctx.session, ctx.principal, break_id, kind=kind, reason_code=reason_code,
            amount=value, note=note,
        )  # fmt: skip
        outcome["status"] = res.status

    response = _attempt(ctx, _back(break_id), act, "request recorded")
    if outcome.get("status") == "pending":
        return ctx.redirect(
            _back(break_id),
            flash=("warn", "above the threshold: waiting for a second user's approval"),
        )
    if outcome.get("status") == "applied":
        return ctx.redirect(
            _back(break_id), flash=("ok", f"{kind} applied and posted to the ledger")
        )
    return response


@router.post("/recon/resolutions/{resolution_id}/{decision}")
def decide(
    resolution_id: int,
    decision: str,
    next: str = Form("/ui/recon/approvals"),
    note: str = Form(""),
    ctx: PageContext = Depends(APPROVE),
) -> Response:
    back = next if next.startswith("/ui/recon/") else "/ui/recon/approvals"
    if decision not in ("approve", "reject"):
        return ctx.redirect(back, flash=("error", f"unknown decision {decision!r}"))
    fn = desk_resolution.approve if decision == "approve" else desk_resolution.reject
    act = lambda: fn(ctx.session, ctx.principal, resolution_id, note)  # noqa: E731
    return _attempt(ctx, back, act, f"request {resolution_id}: {decision}d")


@router.get("/recon/approvals")
def approvals(ctx: PageContext = Depends(READ)) -> Response:
    rows = repo.pending_resolutions(ctx.session, ctx.tenant_id)
    threshold = desk_resolution.approval_threshold(ctx.session, ctx.tenant_id)
    return render(ctx, "recon/approvals.html", rows=rows, threshold=threshold)


@router.get("/recon/summary")
def summary(ctx: PageContext = Depends(READ)) -> Response:
    return render(ctx, "recon/summary.html", s=desk_summary.summary(ctx.session, ctx.tenant_id))
