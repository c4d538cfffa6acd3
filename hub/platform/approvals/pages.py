"""Dual control page: actions of every domain waiting for checkers, with approve / reject.

The page calls the same service as the API (:mod:`hub.platform.approvals.service`), which checks
the four eyes and the action's permission and audits every decision. An approval the
action refuses on execution is kept ``failed`` and shown as a flash message; other
refusals (own request, no longer pending) leave nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from hub.platform import registry
from hub.platform.approvals import service as approvals
from hub.platform.auth.permissions import Permission
from hub.platform.errors import SangamError
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.render import render
from lms_core.approvals import ApprovalStatus
from lms_core.persistence.platform import approval_repository

router = APIRouter()
NAV = (NavEntry("Approvals", "/ui/approvals", Permission.LOAN_READ, Section.LOANS, 40),)
READ = page_user(Permission.LOAN_READ)  # deciding: the service checks the action's permission
BACK = "/ui/approvals"


def _attempt(ctx: PageContext, action: Callable[[], Any], done: str) -> Response:
    savepoint = ctx.session.begin_nested()  # why: a refusal must leave no half-done write
    try:
        action()
        savepoint.commit()
    except SangamError as exc:
        savepoint.rollback()
        return ctx.redirect(BACK, flash=("error", exc.detail))
    return ctx.redirect(BACK, flash=("ok", done))


@router.get("/approvals")
def pending(ctx: PageContext = Depends(READ)) -> Response:
    found = approval_repository.requests(ctx.session, ctx.tenant_id, status=ApprovalStatus.PENDING)
    rows = approvals.views(ctx.session, found)
    policy = approvals.policy(ctx.session, ctx.tenant_id)
    specs = registry.approval_actions()
    deciding = {a for a, spec in specs.items() if ctx.can(spec.permission)}
    return render(ctx, "approvals/pending.html", rows=rows, policy=policy, deciding=deciding)


@router.post("/approvals/{request_id}/approve")
def approve(request_id: int, ctx: PageContext = Depends(READ)) -> Response:
    savepoint = ctx.session.begin_nested()
    try:
        req, outcome = approvals.approve(ctx.session, ctx.principal, request_id)
        savepoint.commit()
    except SangamError as exc:
        savepoint.rollback()
        return ctx.redirect(BACK, flash=("error", exc.detail))
    if req.status == ApprovalStatus.FAILED:  # the decision and the error are recorded
        return ctx.redirect(BACK, flash=("error", f"request {req.id} failed: {req.error}"))
    if outcome is None:
        done = f"request {req.id}: your approval is recorded; {req.required} are needed"
        return ctx.redirect(BACK, flash=("ok", done))
    return ctx.redirect(BACK, flash=("ok", f"request {req.id} approved: {req.result_ref}"))


@router.post("/approvals/{request_id}/reject")
def reject(request_id: int, reason: str = Form(""), ctx: PageContext = Depends(READ)) -> Response:
    act = lambda: approvals.reject(ctx.session, ctx.principal, request_id, reason)  # noqa: E731
    return _attempt(ctx, act, f"request {request_id} rejected")


@router.post("/approvals/{request_id}/cancel")
def cancel(request_id: int, ctx: PageContext = Depends(READ)) -> Response:
    act = lambda: approvals.cancel(ctx.session, ctx.principal, request_id)  # noqa: E731
    return _attempt(ctx, act, f"request {request_id} cancelled")
