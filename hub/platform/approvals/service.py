"""Maker-checker for every domain: one user asks for a sensitive action, others approve it.

An action under dual control is not done when asked: the *maker*'s request is checked
and stored ``pending`` (:func:`request`), and *checkers* later approve it (:func:`approve`:
once enough have, the action runs in the same transaction as the last decision) or one
rejects it with a reason (:func:`reject`); the maker may withdraw it (:func:`cancel`).
Rules, the same for every action:

* a checker is never the maker, and decides a request once (refused here, and by CHECK
  and UNIQUE constraints);
* the maker and every checker hold the action's permission (e.g. ``loan:writeoff``; an
  action may ask less of its maker), and the checkers also the permission of the amount
  band, when the band names one;
* how many checkers a request needs is policy as data (:mod:`lms_core.approvals`): per
  tenant and action, on or off and amount bands; no policy row means the action's default;
* one pending request per action and subject (409, and a partial unique index);
* a request is checked when made by running the action in a savepoint that is always
  rolled back (a *dry run*), so what the action would refuse is refused at once;
* if the approved action is refused on execution (the loan closed meanwhile), its
  savepoint is rolled back, nothing is posted, and the request ends ``failed``.

Domains declare their actions (:class:`ActionSpec`) in their ``module.py``; nothing here
names a domain. Every step is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.platform import registry
from hub.platform.audit import record as audit
from hub.platform.auth.permissions import permissions_of
from hub.platform.auth.security import Principal
from hub.platform.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    NotFound,
    SangamError,
    Unprocessable,
)
from lms_core.approvals import ApprovalStatus, Band, band_for, bands_from, problems
from lms_core.persistence.platform import approval_repository as repo
from lms_core.persistence.platform.approval_models import ApprovalRequest


@dataclass(frozen=True)
class Outcome:
    """What an executed action made: a reference to store and the row itself."""

    ref: str
    value: Any


@dataclass(frozen=True)
class ActionContext:
    """What an action's executor receives when it runs (or is dry-run)."""

    tenant_id: int
    subject_id: str
    payload: dict[str, Any]
    actor: str
    comment: str = ""


@dataclass(frozen=True)
class ActionSpec:
    """An action that may be put under dual control, as its domain declares it.

    ``lock_subject(session, tenant_id, subject_id)`` locks the subject (serialising makers)
    and raises the domain's NotFound; ``on_reject`` lets the domain mark its own record;
    ``result_view`` (``"module:function"``) renders an outcome as the domain's API does;
    ``link`` is the subject's page (``{subject_id}`` and payload keys are filled in).
    """

    action: str
    subject_type: str
    permission: str
    audit_action: str
    execute: Callable[[Session, ActionContext], Outcome]
    lock_subject: Callable[[Session, int, str], Any]
    default_bands: tuple[Band, ...] = (Band(Decimal(0), 1),)
    dual_control_by_default: bool = True
    on_reject: Callable[[Session, ActionContext], None] | None = None
    result_view: str | None = None
    link: str | None = None
    dry_run: bool = True
    maker_permission: str | None = None  # what asking needs, when not ``permission``


def spec_of(action: str) -> ActionSpec:
    spec = registry.approval_actions().get(str(action))
    if spec is None:
        raise NotFound(f"no action {action!r} under maker-checker", code="approval.unknown_action")
    return spec


# --- policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    dual_control: bool
    bands: tuple[Band, ...]

    def band(self, amount: Decimal | None) -> Band:
        """The band for ``amount``; no checker at all when dual control is off."""
        return band_for(self.bands, amount) if self.dual_control else Band(Decimal(0), 0)


def policy_of(session: Session, tenant_id: int, action: str) -> Policy:
    spec = spec_of(action)
    row = repo.policies(session, tenant_id).get(spec.action)
    if row is None:
        return Policy(spec.dual_control_by_default, spec.default_bands)
    return Policy(row.dual_control, bands_from(row.bands) if row.bands else spec.default_bands)


def policy(session: Session, tenant_id: int) -> dict[str, bool]:
    """Return, per action, whether the tenant has it under dual control."""
    return {a: policy_of(session, tenant_id, a).dual_control for a in registry.approval_actions()}


def needs_checker(
    session: Session, tenant_id: int, action: str, amount: Decimal | None = None
) -> bool:
    return policy_of(session, tenant_id, action).band(amount).checkers > 0


def set_policy(
    session: Session,
    who: Principal,
    action: str,
    dual_control: bool,
    bands: Sequence[Band] | None = None,
) -> Policy:
    """Set the caller's tenant policy for ``action``; return it. Raises Unprocessable."""
    spec = spec_of(action)
    found = problems(bands) if bands is not None else []
    if found:
        raise Unprocessable(
            f"policy for {action} refused",
            problems=[FieldProblem(f"bands[{p.index}]", p.message) for p in found],
            code="approval.bad_policy",
        )
    before = policy_of(session, who.tenant_id, spec.action)
    rows = [b.as_dict() for b in bands] if bands is not None else None
    repo.set_policy(session, who.tenant_id, spec.action, dual_control, rows, who.username)
    after = policy_of(session, who.tenant_id, spec.action)
    audit(
        session, who, "approval.policy", "tenant", who.tenant_id,
        _policy_view(spec.action, before), _policy_view(spec.action, after),
    )  # fmt: skip
    return after


def _policy_view(action: str, p: Policy) -> dict[str, Any]:
    return {
        "action": action,
        "dual_control": p.dual_control,
        "bands": [b.as_dict() for b in p.bands],
    }


def policy_view(session: Session, tenant_id: int, action: str) -> dict[str, Any]:
    return _policy_view(spec_of(action).action, policy_of(session, tenant_id, action))


# --- requests and decisions ---------------------------------------------------------------


def _require(who: Principal, *permissions: str | None) -> None:
    granted = permissions_of(who.roles)
    for permission in permissions:
        if permission and permission not in granted:
            raise Forbidden(f"this needs the permission {permission}", code="approval.permission")


def request(
    session: Session,
    who: Principal,
    action: str,
    subject_id: str | int,
    payload: dict[str, Any],
    *,
    amount: Decimal | None = None,
) -> ApprovalRequest:
    """Ask for ``action`` on the subject as maker; return the pending request.

    Raises Forbidden (permission), NotFound (subject), Conflict (a request already pending,
    or what the action itself refuses), Unprocessable (the action's input checks).
    """
    spec, subject = spec_of(action), str(subject_id)
    _require(who, spec.maker_permission or spec.permission)
    label = spec.lock_subject(session, who.tenant_id, subject)  # serialises makers
    waiting = repo.pending_for(session, who.tenant_id, spec.action, spec.subject_type, subject)
    if waiting is not None:
        raise Conflict(
            f"{label} already has a pending {spec.action} request ({waiting.id})",
            code="approval.already_pending",
        )
    ctx = ActionContext(who.tenant_id, subject, payload, who.username)
    if spec.dry_run:
        _dry_run(session, spec, ctx)
    band = policy_of(session, who.tenant_id, spec.action).band(amount)
    req = repo.add_request(
        session, tenant_id=who.tenant_id, action=spec.action, subject_type=spec.subject_type,
        subject_id=subject, amount=amount, required=max(band.checkers, 1), payload=payload,
        maker=who.username, status=ApprovalStatus.PENDING,
    )  # fmt: skip
    after = {
        "action": spec.action,
        "subject": f"{spec.subject_type}:{subject}",
        "status": req.status,
    }
    audit(session, who, "approval.request", "approval_request", req.id, None, after)
    return req


def _dry_run(session: Session, spec: ActionSpec, ctx: ActionContext) -> None:
    """Run the action and undo it: raises what the action would raise, changes nothing."""
    savepoint = session.begin_nested()
    try:
        spec.execute(session, ctx)
    finally:
        savepoint.rollback()


def _locked(session: Session, who: Principal, request_id: int) -> ApprovalRequest:
    req = repo.get_request(session, who.tenant_id, request_id, lock=True)
    if req is None:
        raise NotFound(f"no approval request {request_id}", code="approval.not_found")
    if req.status != ApprovalStatus.PENDING:
        raise Conflict(
            f"approval request {req.id} is {req.status}, not pending", code="approval.not_pending"
        )
    return req


def _to_decide(session: Session, who: Principal, request_id: int) -> ApprovalRequest:
    req = _locked(session, who, request_id)
    if req.maker == who.username:
        raise Forbidden(
            f"{who.username} made approval request {req.id}; a second user must decide it",
            code="approval.maker_is_checker",
        )
    if any(d.checker == who.username for d in repo.decisions(session, [req.id])[req.id]):
        raise Conflict(
            f"{who.username} already approved request {req.id}; another checker must",
            code="approval.already_decided",
        )
    band = policy_of(session, who.tenant_id, req.action).band(req.amount)
    _require(who, spec_of(req.action).permission, band.permission)
    return req


def _decided(req: ApprovalRequest, who: Principal, status: ApprovalStatus, comment: str) -> None:
    req.status, req.checker, req.decided_at = status, who.username, datetime.now(UTC)
    req.comment = comment


def approve(
    session: Session, who: Principal, request_id: int, comment: str = ""
) -> tuple[ApprovalRequest, Outcome | None]:
    """Approve a pending request as checker; once it has all its approvals, run the action.

    Returns the request and what the action made; the outcome is None while more
    approvals are needed (still ``pending``) or when the action was refused (``failed``).
    Raises NotFound, Conflict (not pending, already approved by this user), Forbidden.
    """
    req = _to_decide(session, who, request_id)
    repo.add_decision(
        session, tenant_id=who.tenant_id, request_id=req.id, checker=who.username,
        decision="approve", comment=comment,
    )  # fmt: skip
    approvals = len(repo.decisions(session, [req.id])[req.id])
    if approvals < req.required:
        audit(session, who, "approval.approve", "approval_request", req.id, None,
              {"status": req.status, "approvals": approvals, "required": req.required})  # fmt: skip
        return req, None
    return _execute(session, who, req, comment)


def _execute(
    session: Session, who: Principal, req: ApprovalRequest, comment: str
) -> tuple[ApprovalRequest, Outcome | None]:
    spec = spec_of(req.action)
    ctx = ActionContext(who.tenant_id, req.subject_id, req.payload, who.username, comment)
    savepoint = session.begin_nested()
    try:
        outcome = spec.execute(session, ctx)
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
    audit(session, who, spec.audit_action, spec.subject_type, req.subject_id, None, after)
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
    repo.add_decision(
        session, tenant_id=who.tenant_id, request_id=req.id, checker=who.username,
        decision="reject", comment=reason,
    )  # fmt: skip
    _decided(req, who, ApprovalStatus.REJECTED, reason)
    spec = spec_of(req.action)
    if spec.on_reject is not None:
        ctx = ActionContext(who.tenant_id, req.subject_id, req.payload, who.username, reason)
        spec.on_reject(session, ctx)
    session.flush()
    audit(session, who, "approval.reject", "approval_request", req.id, {"status": "pending"},
          {"status": req.status, "reason": reason})  # fmt: skip
    return req


def cancel(session: Session, who: Principal, request_id: int, reason: str = "") -> ApprovalRequest:
    """Withdraw a pending request; only its maker may. Return it."""
    req = _locked(session, who, request_id)
    if req.maker != who.username:
        raise Forbidden(
            f"only {req.maker}, who made approval request {req.id}, may cancel it",
            code="approval.not_maker",
        )
    req.status, req.decided_at, req.comment = ApprovalStatus.CANCELLED, datetime.now(UTC), reason
    session.flush()
    audit(session, who, "approval.cancel", "approval_request", req.id, {"status": "pending"},
          {"status": req.status, "reason": reason})  # fmt: skip
    return req


def get(session: Session, tenant_id: int, request_id: int) -> ApprovalRequest:
    req = repo.get_request(session, tenant_id, request_id)
    if req is None:
        raise NotFound(f"no approval request {request_id}", code="approval.not_found")
    return req


def pending_on(session: Session, tenant_id: int, subject_type: str, subject_id: str | int):
    """Return the newest request on a subject (locked), or raise NotFound."""
    req = repo.latest_for(session, tenant_id, subject_type, str(subject_id), lock=True)
    if req is None:
        raise NotFound(f"no approval request on {subject_type} {subject_id}")
    return req


def views(session: Session, rows: list[ApprovalRequest]) -> list[dict[str, Any]]:
    """Return the requests as the API shows them (with their decisions)."""
    decided = repo.decisions(session, [r.id for r in rows])
    return [_view(r, decided[r.id]) for r in rows]


def view(session: Session, req: ApprovalRequest) -> dict[str, Any]:
    return views(session, [req])[0]


def _view(req: ApprovalRequest, decisions: list) -> dict[str, Any]:
    spec = registry.approval_actions().get(req.action)
    link = None
    if spec is not None and spec.link:
        link = spec.link.format(subject_id=req.subject_id, **req.payload)
    return {
        "id": req.id,
        "action": req.action,
        "subject_type": req.subject_type,
        "subject_id": req.subject_id,
        "loan_id": int(req.subject_id) if req.subject_type == "loan" else None,
        "amount": None if req.amount is None else str(req.amount),
        "payload": req.payload,
        "status": req.status,
        "maker": req.maker,
        "created_at": req.created_at,
        "required": req.required,
        "decisions": [
            {"checker": d.checker, "decision": d.decision, "comment": d.comment, "at": d.at}
            for d in decisions
        ],
        "checker": req.checker,
        "decided_at": req.decided_at,
        "comment": req.comment,
        "result_ref": req.result_ref,
        "error": req.error,
        "link": link,
    }
