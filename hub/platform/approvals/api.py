"""Dual control API: approval requests for sensitive actions of any domain, and the policy.

A domain answers 202 with a request when one of its actions is under dual control (e.g. a
loan write-off, :mod:`hub.loans.api.lifecycle`; a reconciliation adjustment above its
band); here checkers decide it. Reading needs ``loan:read``. Approving and rejecting need
a user other than the maker (and other than a checker who already approved) who holds the
action's own permission and the band's, checked by the service since it depends on the
request; the maker may cancel. Changing the policy needs ``tenant:admin``. Decisions take
``Idempotency-Key`` and every write is audited. An approval whose action is refused on
execution (e.g. the loan closed meanwhile) is answered **409** with the problem and the
request, which is kept as ``failed`` with the error: the decision is recorded, nothing is
posted. A request that needs more approvals stays ``pending`` (200, no ``result``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.platform import registry
from hub.platform.approvals import service as approvals
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict
from hub.platform.http.deps import get_session, require
from hub.platform.http.schemas import Amount
from hub.platform.idempotency import IdempotencyGuard, idempotency_guard
from lms_core.approvals import ApprovalStatus, Band
from lms_core.persistence.platform import approval_repository

router = APIRouter(prefix="/approvals", tags=["approvals"])


class ApproveBody(BaseModel):
    comment: str = Field(default="", max_length=2000)


class RejectBody(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class ApprovalCancelBody(BaseModel):
    reason: str = Field(default="", max_length=2000)


class BandIn(BaseModel):
    min_amount: Amount = Field(description='from this amount up (a string, e.g. "500000.00")')
    checkers: int = Field(ge=0, le=5, description="approvals needed (0: done at once)")
    permission: str | None = Field(default=None, max_length=60)


class PolicyBody(BaseModel):
    dual_control: bool = Field(description="true: a second user must approve the action")
    bands: list[BandIn] | None = Field(
        default=None, description="amount bands; omitted: the action's default bands"
    )


@router.get("/policy", summary="Which actions need a second approver (the tenant's policy)")
def get_policy(
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, bool]:
    return approvals.policy(session, principal.tenant_id)


@router.get("/policy/{action}", summary="One action's policy: on or off, and its amount bands")
def get_action_policy(
    action: str,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return approvals.policy_view(session, principal.tenant_id, action)


@router.put("/policy/{action}", summary="Set dual control (and amount bands) for one action")
def put_policy(
    action: str,
    body: PolicyBody,
    principal: Principal = Depends(require(Permission.TENANT_ADMIN)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, bool]:
    bands = None
    if body.bands is not None:
        bands = [Band(Decimal(b.min_amount), b.checkers, b.permission) for b in body.bands]
    approvals.set_policy(session, principal, action, body.dual_control, bands)
    return approvals.policy(session, principal.tenant_id)


@router.get("", summary="Approval requests, oldest first (e.g. ?status=pending)")
def list_requests(
    status: ApprovalStatus | None = None,
    loan_id: int | None = None,
    subject_type: str | None = Query(None, max_length=40),
    subject_id: str | None = Query(None, max_length=60),
    limit: int = Query(200, ge=1, le=1000),
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    if loan_id is not None:
        subject_type, subject_id = "loan", str(loan_id)
    rows = approval_repository.requests(
        session, principal.tenant_id, status=status, subject_type=subject_type,
        subject_id=subject_id, limit=limit,
    )  # fmt: skip
    return approvals.views(session, rows)


@router.get("/{request_id}", summary="One approval request")
def get_request(
    request_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return approvals.view(session, approvals.get(session, principal.tenant_id, request_id))


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
    view = approvals.view(guard.session, req)
    if req.status == ApprovalStatus.FAILED:
        problem = Conflict(
            f"approval request {req.id} failed: {req.error}", code="approval.failed"
        ).to_problem()
        return guard.respond(409, {**problem, "approval": view})
    if outcome is None:  # more approvals needed
        return guard.respond(200, view)
    spec = approvals.spec_of(req.action)
    result = registry.resolve(spec.result_view)(outcome.value) if spec.result_view else None
    return guard.respond(200, {**view, "result": result})


@router.post("/{request_id}/reject", summary="Reject as checker, with a reason")
def reject(
    request_id: int,
    body: RejectBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_READ)),
):
    if guard.replay is not None:
        return guard.replay
    req = approvals.reject(guard.session, guard.principal, request_id, body.reason)
    return guard.respond(200, approvals.view(guard.session, req))


@router.post("/{request_id}/cancel", summary="Withdraw a pending request (its maker only)")
def cancel(
    request_id: int,
    body: ApprovalCancelBody | None = None,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_READ)),
):
    if guard.replay is not None:
        return guard.replay
    req = approvals.cancel(guard.session, guard.principal, request_id, body.reason if body else "")
    return guard.respond(200, approvals.view(guard.session, req))
