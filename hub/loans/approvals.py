"""Dual control (maker-checker) for sensitive loan actions: one user asks, another approves.

An action under dual control (today a write-off and a one-time settlement's terms) is
not done when asked: the *maker*'s request is checked and stored ``pending``
(:func:`request`), and a *checker* later approves it (:func:`approve`: the action runs
then, in the same transaction as the decision) or rejects it with a reason
(:func:`reject`); the maker may withdraw it (:func:`cancel`). Rules:

* the checker is never the maker (refused here, and by a CHECK constraint);
* the checker holds the permission the action itself needs (e.g. ``loan:writeoff``), so
  the existing roles decide who may approve what, with no extra permission to manage;
* one pending request per loan and action (409, and a partial unique index);
* a request is checked when made by running the action in a savepoint that is always
  rolled back (a *dry run*), so a request the action would refuse is refused at once,
  with the action's own 404 / 409 / 422, and no request is stored;
* if the approved action is refused on execution (the loan closed meanwhile), its
  savepoint is rolled back, nothing is posted, and the request ends ``failed`` with the
  error; the decision itself is kept.

Which actions need a checker is data: :data:`ACTIONS` maps each action kind to its
permission, its executor and its default, and a tenant overrides the default per action
in ``approval_policy`` (:func:`set_policy`). Every step is audited in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.loans import lifecycle as lc
from hub.loans import settlement, writeoff
from hub.platform.audit import record as audit
from hub.platform.auth.permissions import Permission, permissions_of
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, Forbidden, NotFound, SangamError, Unprocessable
from lms_core.money import D
from lms_core.persistence.platform import approval_repository as repo
from lms_core.persistence.platform.approval_models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalStatus,
)


@dataclass(frozen=True)
class Outcome:
    """What an executed action made: a reference to store and the row itself."""

    ref: str
    value: Any


Executor = Callable[[Session, int, int, dict[str, Any], str], Outcome]


@dataclass(frozen=True)
class ActionSpec:
    """An action that may be put under dual control."""

    action: ApprovalAction
    permission: Permission  # what the maker and the checker must both hold
    audit_action: str  # how the executed action is recorded in the audit log
    execute: Executor  # (session, tenant, loan, payload, actor) -> Outcome
    dual_control_by_default: bool = True


def _write_off(
    session: Session, tenant_id: int, loan_id: int, payload: dict[str, Any], actor: str
) -> Outcome:
    change = writeoff.write_off(session, tenant_id, loan_id, payload["reason"], actor)
    return Outcome(f"loan_change:{change.id}", change)


def _settlement(
    session: Session, tenant_id: int, loan_id: int, payload: dict[str, Any], actor: str
) -> Outcome:
    until = payload.get("valid_until")
    deal = settlement.agree(
        session, tenant_id, loan_id, D(payload["amount"]), actor,
        date.fromisoformat(until) if until else None,
    )  # fmt: skip
    return Outcome(f"loan_settlement:{deal.id}", deal)


ACTIONS: dict[ApprovalAction, ActionSpec] = {
    spec.action: spec
    for spec in (
        ActionSpec(
            ApprovalAction.LOAN_WRITE_OFF, Permission.LOAN_WRITE_OFF, "loan.write_off", _write_off
        ),
        ActionSpec(
            ApprovalAction.LOAN_SETTLEMENT,
            Permission.LOAN_WRITE_OFF,
            "loan.settlement_agree",
            _settlement,
        ),
    )
}


# --- policy ------------------------------------------------------------------------------


def policy(session: Session, tenant_id: int) -> dict[ApprovalAction, bool]:
    """Return, per action, whether the tenant needs a checker for it."""
    explicit = repo.policies(session, tenant_id)
    return {a: explicit.get(a, spec.dual_control_by_default) for a, spec in ACTIONS.items()}


def needs_checker(session: Session, tenant_id: int, action: ApprovalAction) -> bool:
    return policy(session, tenant_id)[action]


def set_policy(
    session: Session, who: Principal, action: ApprovalAction, dual_control: bool
) -> dict[ApprovalAction, bool]:
    """Switch dual control for ``action`` on or off for the caller's tenant; return the policy."""
    before = needs_checker(session, who.tenant_id, action)
    repo.set_policy(session, who.tenant_id, action, dual_control, who.username)
    audit(
        session, who, "approval.policy", "tenant", who.tenant_id,
        {"action": action, "dual_control": before},
        {"action": action, "dual_control": dual_control},
    )  # fmt: skip
    return policy(session, who.tenant_id)


# --- requests and decisions ------------------------------------------------------------------


def _require(who: Principal, spec: ActionSpec) -> None:
    if spec.permission not in permissions_of(who.roles):
        raise Forbidden(f"{spec.action} needs the permission {spec.permission}")


def _dry_run(session: Session, spec: ActionSpec, tenant_id: int, loan_id: int, payload, actor):
    """Run the action and undo it: raises what the action would raise, changes nothing."""
    savepoint = session.begin_nested()
    try:
        spec.execute(session, tenant_id, loan_id, payload, actor)
    finally:
        savepoint.rollback()


def request(
    session: Session, who: Principal, action: ApprovalAction, loan_id: int, payload: dict
) -> ApprovalRequest:
    """Ask for ``action`` on the loan as maker; return the pending request.

    Raises Forbidden (permission), NotFound (loan), Conflict (a request already pending,
    or what the action itself refuses), Unprocessable (the action's input checks).
    """
    spec = ACTIONS[action]
    _require(who, spec)
    loan = lc.get_loan(session, who.tenant_id, loan_id, lock=True)  # serialises makers
    waiting = repo.pending_for(session, who.tenant_id, action, loan.id)
    if waiting is not None:
        raise Conflict(
            f"loan {loan.loan_number} already has a pending {action} request ({waiting.id})"
        )
    _dry_run(session, spec, who.tenant_id, loan.id, payload, who.username)
    req = repo.add_request(
        session, tenant_id=who.tenant_id, action=action, loan_id=loan.id, payload=payload,
        maker=who.username, status=ApprovalStatus.PENDING,
    )  # fmt: skip
    after = {"action": action, "loan_id": loan.id, "payload": payload, "status": req.status}
    audit(session, who, "approval.request", "approval_request", req.id, None, after)
    return req


def _locked(session: Session, who: Principal, request_id: int) -> ApprovalRequest:
    req = repo.get_request(session, who.tenant_id, request_id, lock=True)
    if req is None:
        raise NotFound(f"no approval request {request_id}")
    if req.status != ApprovalStatus.PENDING:
        raise Conflict(f"approval request {req.id} is {req.status}, not pending")
    return req


def _to_decide(session: Session, who: Principal, request_id: int) -> ApprovalRequest:
    req = _locked(session, who, request_id)
    if req.maker == who.username:
        raise Forbidden(
            f"{who.username} made approval request {req.id}; a second user must decide it"
        )
    _require(who, ACTIONS[ApprovalAction(req.action)])
    return req


def _decided(req: ApprovalRequest, who: Principal, status: ApprovalStatus, comment: str) -> None:
    req.status, req.checker, req.decided_at = status, who.username, datetime.now(UTC)
    req.comment = comment


def approve(
    session: Session, who: Principal, request_id: int, comment: str = ""
) -> tuple[ApprovalRequest, Outcome | None]:
    """Approve a pending request as checker and run its action; return the request and
    what the action made (None when the action was refused: the request is ``failed``).

    Raises NotFound, Conflict (not pending), Forbidden (own request, or permission).
    """
    req = _to_decide(session, who, request_id)
    spec = ACTIONS[ApprovalAction(req.action)]
    savepoint = session.begin_nested()
    try:
        outcome = spec.execute(session, who.tenant_id, req.loan_id, req.payload, who.username)
    except SangamError as exc:
        savepoint.rollback()  # nothing the action did survives
        _decided(req, who, ApprovalStatus.FAILED, comment)
        req.error = _error_text(exc)
        session.flush()
        audit(session, who, "approval.fail", "approval_request", req.id, {"status": "pending"},
              {"status": req.status, "error": req.error})  # fmt: skip
        return req, None
    savepoint.commit()
    _decided(req, who, ApprovalStatus.APPROVED, comment)
    req.result_ref = outcome.ref
    session.flush()
    after = {"approval": req.id, "maker": req.maker, "result": outcome.ref, **req.payload}
    audit(session, who, spec.audit_action, "loan", req.loan_id, None, after)
    audit(session, who, "approval.approve", "approval_request", req.id, {"status": "pending"},
          {"status": req.status, "result": req.result_ref})  # fmt: skip
    return req, outcome


def _error_text(exc: SangamError) -> str:
    details = "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    return f"{exc.detail} ({details})" if details else exc.detail


def reject(session: Session, who: Principal, request_id: int, reason: str) -> ApprovalRequest:
    """Reject a pending request as checker (nothing is done); return it."""
    if len(reason.strip()) < 3:
        raise Unprocessable("a reason of at least 3 characters is required to reject")
    req = _to_decide(session, who, request_id)
    _decided(req, who, ApprovalStatus.REJECTED, reason)
    session.flush()
    audit(session, who, "approval.reject", "approval_request", req.id, {"status": "pending"},
          {"status": req.status, "reason": reason})  # fmt: skip
    return req


def cancel(session: Session, who: Principal, request_id: int, reason: str = "") -> ApprovalRequest:
    """Withdraw a pending request; only its maker may. Return it."""
    req = _locked(session, who, request_id)
    if req.maker != who.username:
        raise Forbidden(f"only {req.maker}, who made approval request {req.id}, may cancel it")
    req.status, req.decided_at, req.comment = ApprovalStatus.CANCELLED, datetime.now(UTC), reason
    session.flush()
    audit(session, who, "approval.cancel", "approval_request", req.id, {"status": "pending"},
          {"status": req.status, "reason": reason})  # fmt: skip
    return req


def get(session: Session, tenant_id: int, request_id: int) -> ApprovalRequest:
    req = repo.get_request(session, tenant_id, request_id)
    if req is None:
        raise NotFound(f"no approval request {request_id}")
    return req


def view(req: ApprovalRequest) -> dict[str, Any]:
    """Return the request as the API shows it."""
    return {
        "id": req.id,
        "action": req.action,
        "loan_id": req.loan_id,
        "payload": req.payload,
        "status": req.status,
        "maker": req.maker,
        "created_at": req.created_at,
        "checker": req.checker,
        "decided_at": req.decided_at,
        "comment": req.comment,
        "result_ref": req.result_ref,
        "error": req.error,
    }
