"""Dual control API: approval requests for sensitive loan actions, and the tenant's policy.

A write-off or settlement asked for under dual control answers 202 with a request (see
:mod:`hub.loans.api.lifecycle`); here a second user decides it. Reading needs
``loan:read``. Approving and rejecting need a user other than the maker who holds the
action's own permission (``loan:writeoff`` for both actions today), checked by the
service since it depends on the request; the maker may cancel. Changing the policy
needs ``tenant:admin``. Decisions take ``Idempotency-Key`` and every write is audited.

An approval whose action is refused on execution (e.g. the loan closed meanwhile) is
answered **409** with the problem and the request, which is kept as ``failed`` with the
error: the decision is recorded, nothing is posted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.loans import approvals
from hub.loans.api.lifecycle import change_out, settlement_out
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict
from hub.platform.http.deps import get_session, require
from hub.platform.idempotency import IdempotencyGuard, idempotency_guard
from lms_core.persistence.platform import approval_repository
from lms_core.persistence.platform.approval_models import ApprovalAction, ApprovalStatus

router = APIRouter(prefix="/approvals", tags=["approvals"])

# How each action's result is shown in the approval's answer (as its own endpoint shows it).
RESULT_VIEW: dict[ApprovalAction, Callable[[Any], dict[str, Any]]] = {
    ApprovalAction.LOAN_WRITE_OFF: change_out,
    ApprovalAction.LOAN_SETTLEMENT: settlement_out,
}


class ApproveBody(BaseModel):
    comment: str = Field(default="", max_length=2000)


class RejectBody(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class ApprovalCancelBody(BaseModel):
    reason: str = Field(default="", max_length=2000)


class PolicyBody(BaseModel):
    dual_control: bool = Field(description="true: a second user must approve the action")


@router.get("/policy", summary="Which actions need a second approver (the tenant's policy)")
def get_policy(
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session),
) -> dict[str, bool]:
    return {str(a): on for a, on in approvals.policy(session, principal.tenant_id).items()}


@router.put("/policy/{action}", summary="Switch dual control for one action on or off")
def put_policy(
    action: ApprovalAction,
    body: PolicyBody,
    principal: Principal = Depends(require(Permission.TENANT_ADMIN)),
    session: Session = Depends(get_session),
) -> dict[str, bool]:
    changed = approvals.set_policy(session, principal, action, body.dual_control)
    return {str(a): on for a, on in changed.items()}


@router.get("", summary="Approval requests, oldest first (e.g. ?status=pending)")
def list_requests(
    status: ApprovalStatus | None = None,
    loan_id: int | None = None,
    limit: int = Query(200, ge=1, le=1000),
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    rows = approval_repository.requests(
        session, principal.tenant_id, status=status, loan_id=loan_id, limit=limit
    )
    return [approvals.view(r) for r in rows]


@router.get("/{request_id}", summary="One approval request")
def get_request(
    request_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    return approvals.view(approvals.get(session, principal.tenant_id, request_id))


@router.post(
    "/{request_id}/approve",
    summary="Approve as checker: the action runs now (409 and `failed` if it is refused)",
)
def approve(
    request_id: int,
    body: ApproveBody | None = None,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_READ)),
):
    if guard.replay is not None:
        return guard.replay
    req, outcome = approvals.approve(
        guard.session, guard.principal, request_id, body.comment if body else ""
    )
    if outcome is None:
        problem = Conflict(f"approval request {req.id} failed: {req.error}").to_problem()
        return guard.respond(409, {**problem, "approval": approvals.view(req)})
    result = RESULT_VIEW[ApprovalAction(req.action)](outcome.value)
    return guard.respond(200, {**approvals.view(req), "result": result})


@router.post("/{request_id}/reject", summary="Reject as checker, with a reason")
def reject(
    request_id: int,
    body: RejectBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_READ)),
):
    if guard.replay is not None:
        return guard.replay
    req = approvals.reject(guard.session, guard.principal, request_id, body.reason)
    return guard.respond(200, approvals.view(req))


@router.post("/{request_id}/cancel", summary="Withdraw a pending request (its maker only)")
def cancel(
    request_id: int,
    body: ApprovalCancelBody | None = None,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_READ)),
):
    if guard.replay is not None:
        return guard.replay
    req = approvals.cancel(guard.session, guard.principal, request_id, body.reason if body else "")
    return guard.respond(200, approvals.view(req))
