"""Closing a break by adjustment or write-off, under maker-checker above a threshold.

What each resolution books is :mod:`lms_core.recon.resolutions` (a balanced journal on
the escrow account against suspense or expense). Maker-checker is the platform's
approvals service (action ``recon.resolution``, subject the resolution): a request for an
amount within the policy's no-checker band (by default up to 10,000.00) is applied at
once; above it, it waits until a *different* user holding ``recon:approve`` approves (the
journal is posted then) or rejects it. The desk's "approval threshold" is that policy,
shown and set as one figure. Every step is audited; the journal's ``external_ref`` is
``recon-resolution:<id>`` so it is posted once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.platform.approvals import service as approvals
from hub.platform.approvals.service import ActionContext, ActionSpec, Outcome
from hub.platform.audit import record as audit
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from hub.recon.desk import locked_break
from lms_core.approvals import Band
from lms_core.money import D
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon import desk_repository as repo
from lms_core.persistence.recon.desk_models import ReconResolution
from lms_core.persistence.recon.models import ReconBreak
from lms_core.recon.enums import BreakStatus
from lms_core.recon.resolutions import (
    ReasonCode,
    ResolutionKind,
    ResolutionStatus,
    resolution_journal,
)

ACTION = "recon.resolution"
DEFAULT_THRESHOLD = D("10000.00")
PAISA = D("0.01")


def _bands(threshold: Decimal) -> tuple[Band, ...]:
    """A threshold T means: done at once up to T, one checker above it."""
    return (Band(D(0), 0), Band(threshold + PAISA, 1))


def approval_threshold(session: Session, tenant_id: int) -> Decimal:
    """The largest amount applied without a checker (from the approvals policy)."""
    policy = approvals.policy_of(session, tenant_id, ACTION)
    if not policy.dual_control:
        return D("999999999999999999.99")
    checked = [b.min_amount for b in policy.bands if b.checkers > 0]
    return (min(checked) - PAISA) if checked else D("999999999999999999.99")


def set_approval_threshold(session: Session, who: Principal, threshold: Decimal) -> Decimal:
    """Set the tenant's threshold (>= 0, paise); raises Unprocessable."""
    value = D(threshold)
    if value < 0 or value != value.quantize(PAISA):
        raise Unprocessable(
            "threshold refused", problems=[FieldProblem("approval_threshold", f"{value}")]
        )
    before = str(approval_threshold(session, who.tenant_id))
    approvals.set_policy(session, who, ACTION, True, _bands(value))
    audit(
        session,
        who,
        "recon.desk.threshold",
        "tenant",
        who.tenant_id,
        {"threshold": before},
        {"threshold": str(value)},
    )
    return value


def _validated(kind: str, reason_code: str, amount: Decimal | None, brk: ReconBreak):
    problems = []
    try:
        kind_value = ResolutionKind(kind)
    except ValueError:
        kind_value = None
        problems.append(FieldProblem("kind", f"{kind!r}; one of {', '.join(ResolutionKind)}"))
    if reason_code not in set(ReasonCode):
        problems.append(
            FieldProblem("reason_code", f"{reason_code!r}; one of {', '.join(ReasonCode)}")
        )
    value = brk.amount if amount is None else D(amount)
    if value <= 0 or value > brk.amount or value != value.quantize(D("0.01")):
        problems.append(
            FieldProblem("amount", f"{value}: must be 0.01 .. {brk.amount} (the break)")
        )
    if problems:
        raise Unprocessable(f"resolution of break {brk.id} refused", problems=problems)
    return kind_value, value


def _apply(session: Session, res: ReconResolution, brk: ReconBreak, by: str) -> None:
    today = tenant_repository.business_date(session, res.tenant_id)
    journal = resolution_journal(
        break_id=brk.id, side=brk.side, direction=brk.direction, reason=brk.reason,
        kind=ResolutionKind(res.kind), amount=res.amount, on=today, resolution_id=res.id,
    )  # fmt: skip
    res.journal_id = ledger_repository.post(session, res.tenant_id, journal, by).journal_id
    res.status = ResolutionStatus.APPLIED
    brk.status, brk.resolution = BreakStatus.RESOLVED, res.kind
    brk.resolved_by, brk.resolved_at, brk.closed_on = by, datetime.now(UTC), today


def request_resolution(
    session: Session,
    who: Principal,
    break_id: int,
    *,
    kind: str,
    reason_code: str,
    amount: Decimal | None = None,
    note: str = "",
) -> ReconResolution:
    """Ask to close an open break by adjustment / write-off; applied now if within the
    threshold, else pending a second user's approval. Returns the request.

    Raises NotFound, Conflict (break not open, or a request already pending), Unprocessable.
    """
    brk = locked_break(session, who.tenant_id, break_id)
    if brk.status != BreakStatus.OPEN:
        raise Conflict(f"break {brk.id} is {brk.status}; only open breaks can be resolved")
    if any(r.status == ResolutionStatus.PENDING for r in repo.resolutions(session, brk.id)):
        raise Conflict(f"break {brk.id} already has a request waiting for approval")
    kind_value, value = _validated(kind, reason_code, amount, brk)
    res = repo.add_resolution(
        session,
        tenant_id=who.tenant_id,
        break_id=brk.id,
        kind=str(kind_value),
        reason_code=reason_code,
        amount=value,
        note=note,
        status=ResolutionStatus.PENDING,
        maker=who.username,
    )
    if approvals.needs_checker(session, who.tenant_id, ACTION, value):
        payload = {"break_id": brk.id, "kind": res.kind, "amount": str(value)}
        approvals.request(session, who, ACTION, res.id, payload, amount=value)
    else:
        _apply(session, res, brk, who.username)
    after = {"kind": res.kind, "amount": str(value), "reason": reason_code, "status": res.status}
    audit(session, who, "recon.resolution.request", "recon_resolution", res.id, None, after)
    return res


def _pending(session: Session, who: Principal, resolution_id: int) -> ReconResolution:
    res = repo.lock_resolution(session, who.tenant_id, resolution_id)
    if res is None:
        raise NotFound(f"no resolution request {resolution_id}")
    if res.status != ResolutionStatus.PENDING:
        raise Conflict(f"resolution request {res.id} is {res.status}, not pending")
    return res


def approve(
    session: Session, who: Principal, resolution_id: int, note: str = ""
) -> ReconResolution:
    """Approve a pending request as checker and post its journal; return it.

    Raises NotFound, Conflict (not pending, break no longer open), Forbidden (own request).
    """
    res = _pending(session, who, resolution_id)
    brk = locked_break(session, who.tenant_id, res.break_id)
    if brk.status != BreakStatus.OPEN:
        raise Conflict(f"break {brk.id} is {brk.status} now; reject the request instead")
    req = approvals.pending_on(session, who.tenant_id, "recon_resolution", res.id)
    approvals.approve(session, who, req.id, note)
    return res


def reject(session: Session, who: Principal, resolution_id: int, note: str = "") -> ReconResolution:
    """Reject a pending request as checker (the break stays open); return it."""
    res = _pending(session, who, resolution_id)
    req = approvals.pending_on(session, who.tenant_id, "recon_resolution", res.id)
    approvals.reject(session, who, req.id, note if len(note.strip()) >= 3 else "rejected")
    return res


# --- the action, as the approvals service runs it ---------------------------------------------


def _lock(session: Session, tenant_id: int, subject_id: str) -> str:
    res = repo.lock_resolution(session, tenant_id, int(subject_id))
    if res is None:
        raise NotFound(f"no resolution request {subject_id}")
    return f"resolution {res.id} of break {res.break_id}"


def _execute(session: Session, ctx: ActionContext) -> Outcome:
    res = repo.lock_resolution(session, ctx.tenant_id, int(ctx.subject_id))
    brk = locked_break(session, ctx.tenant_id, res.break_id)
    if brk.status != BreakStatus.OPEN:
        raise Conflict(f"break {brk.id} is {brk.status} now")
    res.checker, res.decided_at, res.decision_note = ctx.actor, datetime.now(UTC), ctx.comment
    _apply(session, res, brk, ctx.actor)
    return Outcome(f"journal:{res.journal_id}", res)


def _on_reject(session: Session, ctx: ActionContext) -> None:
    res = repo.lock_resolution(session, ctx.tenant_id, int(ctx.subject_id))
    res.checker, res.decided_at, res.decision_note = ctx.actor, datetime.now(UTC), ctx.comment
    res.status = ResolutionStatus.REJECTED


ACTIONS = (
    ActionSpec(
        action=ACTION,
        subject_type="recon_resolution",
        permission=Permission.RECON_APPROVE,
        maker_permission=Permission.RECON_RESOLVE,
        audit_action="recon.resolution.approve",
        execute=_execute,
        lock_subject=_lock,
        default_bands=_bands(DEFAULT_THRESHOLD),
        on_reject=_on_reject,
        link="/ui/recon/breaks/{break_id}",
        dry_run=False,  # the resolution row is written first; its checks ran already
    ),
)
