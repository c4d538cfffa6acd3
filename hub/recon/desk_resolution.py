"""Closing a break by adjustment or write-off, with maker-checker above a threshold.

A break means the escrow bank and our books disagree. Closing it without a match books
the difference so they agree again, in one balanced journal whose escrow side follows
which way they disagree:

==========================================  =====================  ======================
break                                        bank vs books          escrow posting
==========================================  =====================  ======================
actual credit (money in nobody expected)     bank holds more        Dr ESCROW_BANK
expected debit (a payout that never left)    bank holds more        Dr ESCROW_BANK
actual debit (money out nobody expected)     bank holds less        Cr ESCROW_BANK
expected credit (money that never came)      bank holds less        Cr ESCROW_BANK
==========================================  =====================  ======================

The other side is SUSPENSE_RECEIPTS for an **adjustment** (parked, to be worked: refund,
re-allocation) or WRITE_OFF_EXPENSE for a **write-off** (accepted in profit and loss).

Maker-checker: a request for an amount at or under the tenant's approval threshold
(``recon_desk_setting``, default :data:`DEFAULT_THRESHOLD`) is applied at once; above it,
it waits until a *different* user holding ``recon:approve`` approves (the journal is posted
then) or rejects it. The maker can never approve their own request (refused here and by a
CHECK constraint). Every step is audited; the journal's ``external_ref`` is
``recon-resolution:<id>`` so it is posted once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from hub.platform.audit import record as audit
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, FieldProblem, Forbidden, NotFound, Unprocessable
from hub.recon.desk import locked_break
from lms_core.ledger import Journal, credit, debit
from lms_core.money import D
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon import desk_repository as repo
from lms_core.persistence.recon.desk_models import (
    ReconResolution,
    ResolutionKind,
    ResolutionStatus,
)
from lms_core.persistence.recon.models import BreakStatus, ReconBreak

DEFAULT_THRESHOLD = D("10000.00")
ESCROW = "ESCROW_BANK"
COUNTER_ACCOUNT = {
    ResolutionKind.ADJUSTMENT: "SUSPENSE_RECEIPTS",
    ResolutionKind.WRITE_OFF: "WRITE_OFF_EXPENSE",
}
# (side, direction) -> True when the bank holds more than our books
_BANK_HOLDS_MORE = {
    ("actual", "credit"): True,
    ("expected", "debit"): True,
    ("actual", "debit"): False,
    ("expected", "credit"): False,
}


class ReasonCode(StrEnum):
    """Why a difference is booked rather than matched (shown on reports and journals)."""

    BANK_CHARGES = "bank_charges"
    ROUNDING = "rounding"
    UNIDENTIFIED_CREDIT = "unidentified_credit"
    DUPLICATE_CREDIT = "duplicate_credit"
    SHORT_RECEIPT = "short_receipt"
    PAYOUT_NOT_EXECUTED = "payout_not_executed"
    TIMING_DIFFERENCE = "timing_difference"
    OTHER = "other"


def approval_threshold(session: Session, tenant_id: int) -> Decimal:
    setting = repo.desk_setting(session, tenant_id)
    return setting.approval_threshold if setting else DEFAULT_THRESHOLD


def set_approval_threshold(session: Session, who: Principal, threshold: Decimal) -> Decimal:
    """Set the tenant's threshold (>= 0, paise); raises Unprocessable."""
    value = D(threshold)
    if value < 0 or value != value.quantize(D("0.01")):
        raise Unprocessable(
            "threshold refused", problems=[FieldProblem("approval_threshold", f"{value}")]
        )
    before = str(approval_threshold(session, who.tenant_id))
    repo.set_threshold(session, who.tenant_id, value, who.username)
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


def resolution_journal(
    brk: ReconBreak, kind: ResolutionKind, amount: Decimal, on: date, resolution_id: int
) -> Journal:
    """Return the balanced journal that books ``amount`` of ``brk`` (see the table above)."""
    other = COUNTER_ACCOUNT[kind]
    if _BANK_HOLDS_MORE[(brk.side, brk.direction)]:
        postings = (debit(ESCROW, amount), credit(other, amount))
    else:
        postings = (debit(other, amount), credit(ESCROW, amount))
    return Journal(
        kind=f"recon_{kind}",
        business_date=on,
        postings=postings,
        description=f"reconciliation break {brk.id}: {kind} ({brk.reason})",
        external_ref=f"recon-resolution:{resolution_id}",
    )


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
    journal = resolution_journal(brk, ResolutionKind(res.kind), res.amount, today, res.id)
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
    needs_checker = value > approval_threshold(session, who.tenant_id)
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
    if not needs_checker:
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
    if res.maker == who.username:
        raise Forbidden(f"{who.username} made request {res.id}; a second user must decide it")
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
    res.checker, res.decided_at, res.decision_note = who.username, datetime.now(UTC), note
    _apply(session, res, brk, who.username)
    after = {"status": res.status, "journal_id": res.journal_id}
    audit(
        session,
        who,
        "recon.resolution.approve",
        "recon_resolution",
        res.id,
        {"status": "pending"},
        after,
    )
    return res


def reject(session: Session, who: Principal, resolution_id: int, note: str = "") -> ReconResolution:
    """Reject a pending request as checker (the break stays open); return it."""
    res = _pending(session, who, resolution_id)
    res.checker, res.decided_at, res.decision_note = who.username, datetime.now(UTC), note
    res.status = ResolutionStatus.REJECTED
    audit(
        session,
        who,
        "recon.resolution.reject",
        "recon_resolution",
        res.id,
        {"status": "pending"},
        {"status": res.status},
    )
    return res
