"""The break desk: where finance sees every reconciliation break and works it to an end.

A break is an item the matching run could not settle (see :mod:`hub.recon.run`). The
desk shows them as a **queue**, oldest first, with ageing buckets (days from
``opened_on`` to the business date: 0-1, 2-3, 4-7, 8-30, 31+) and filters (account,
source, partner, reason, amount range, age, assignee). A break's page puts the item next
to its **candidates**: items of the other side with the same reference, or near in amount
(within 10%) and date (within 7 days), ranked, plus the engine's own suggestions.

Work on a break is recorded and audited: assignment to a person, comments, a root-cause
category; matching by hand and undoing a match live in :mod:`hub.recon.desk_match`;
adjustments and write-offs with maker-checker in :mod:`hub.recon.desk_resolution`.
Services take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from hub.platform.audit import record as audit
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from lms_core.money import D
from lms_core.persistence.platform import tenant_repository, user_repository
from lms_core.persistence.recon import desk_repository as repo
from lms_core.persistence.recon import run_repository as recon_repository
from lms_core.persistence.recon.desk_repository import QueueFilter
from lms_core.persistence.recon.models import ReconBreak

__all__ = ["AGE_BUCKETS", "QueueFilter", "RootCause", "break_view", "queue_view"]

CANDIDATE_WINDOW_DAYS = 7
CANDIDATE_SPREAD = D("0.10")


@dataclass(frozen=True, slots=True)
class AgeBucket:
    label: str
    low: int
    high: int | None  # inclusive; None = no upper bound

    def holds(self, age: int) -> bool:
        return age >= self.low and (self.high is None or age <= self.high)


AGE_BUCKETS = (
    AgeBucket("0-1 days", 0, 1),
    AgeBucket("2-3 days", 2, 3),
    AgeBucket("4-7 days", 4, 7),
    AgeBucket("8-30 days", 8, 30),
    AgeBucket("31+ days", 31, None),
)


class RootCause(StrEnum):
    """Why a break happened, for the monthly "what keeps breaking" review."""

    BANK_DELAY = "bank_delay"
    BANK_ERROR = "bank_error"
    CUSTOMER_SHORT_PAID = "customer_short_paid"
    CUSTOMER_OVERPAID = "customer_overpaid"
    DUPLICATE_CREDIT = "duplicate_credit"
    WRONG_REFERENCE = "wrong_reference"
    MISSING_EXPECTED = "missing_expected"
    BANK_CHARGES = "bank_charges"
    OTHER = "other"


def bucket_of(age: int) -> str:
    return next(b.label for b in AGE_BUCKETS if b.holds(max(age, 0)))


@dataclass(frozen=True)
class QueueRow:
    id: int
    side: str
    reason: str
    detail: str
    amount: Decimal
    direction: str
    opened_on: date
    age: int
    bucket: str
    status: str
    account: str | None
    source: str | None
    partner: str | None
    reference: str | None
    item_date: date | None
    narration: str | None
    assigned_to: str | None
    root_cause: str | None
    resolution: str | None
    pending_approval: bool


@dataclass(frozen=True)
class BucketCount:
    label: str
    count: int
    amount: Decimal
    low: int = 0
    high: int | None = None


@dataclass(frozen=True)
class QueueView:
    business_date: date
    rows: list[QueueRow]
    buckets: list[BucketCount]


def _row(found: Any, today: date) -> QueueRow:
    brk: ReconBreak = found[0]
    age = (today - brk.opened_on).days
    return QueueRow(
        id=brk.id,
        side=brk.side,
        reason=brk.reason,
        detail=brk.detail,
        amount=brk.amount,
        direction=brk.direction,
        opened_on=brk.opened_on,
        age=age,
        bucket=bucket_of(age),
        status=brk.status,
        account=found.account,
        source=found.source,
        partner=found.partner,
        reference=found.reference,
        item_date=found.item_date,
        narration=found.narration,
        assigned_to=brk.assigned_to,
        root_cause=brk.root_cause,
        resolution=brk.resolution,
        pending_approval=bool(found.pending_approval),
    )


def queue_view(
    session: Session, tenant_id: int, f: QueueFilter, *, limit: int = 100, offset: int = 0
) -> QueueView:
    """Return the filtered queue page and the ageing buckets of the whole filtered queue."""
    today = tenant_repository.business_date(session, tenant_id)
    rows = [
        _row(r, today) for r in repo.queue(session, tenant_id, f, today, limit=limit, offset=offset)
    ]
    totals = {b.label: [0, D("0")] for b in AGE_BUCKETS}
    for opened_on, count, amount in repo.age_counts(session, tenant_id, f, today):
        slot = totals[bucket_of((today - opened_on).days)]
        slot[0] += count
        slot[1] += amount or D("0")
    buckets = [
        BucketCount(b.label, *totals[b.label], b.low, b.high)  # type: ignore[arg-type]
        for b in AGE_BUCKETS
    ]
    return QueueView(today, rows, buckets)


@dataclass(frozen=True)
class Candidate:
    """An item of the other side that might settle the break, with why we think so."""

    side: str
    id: int
    amount: Decimal
    on: date
    reference: str | None
    counterparty: str | None
    score: int  # 0..100
    why: str
    matched: bool = False


@dataclass
class BreakView:
    row: QueueRow
    item: Any  # ReconActualItem | ReconExpectedItem
    candidates: list[Candidate] = field(default_factory=list)
    suggestions: list[Any] = field(default_factory=list)
    comments: list[Any] = field(default_factory=list)
    resolutions: list[Any] = field(default_factory=list)


def _score(amount: Decimal, wanted: Decimal, days: int, same_ref: bool) -> tuple[int, str]:
    """Return a 0..100 closeness (reference 50, amount 30, date 20) and its explanation."""
    gap = abs(amount - wanted)
    amount_part = 30 if gap == 0 else max(0, 30 - int(gap * 300 / max(wanted, D("0.01"))))
    date_part = max(0, 20 - 3 * abs(days))
    why = [f"amount differs by {gap}" if gap else "same amount", f"{abs(days)} day(s) apart"]
    if same_ref:
        why.insert(0, "same reference")
    return (50 if same_ref else 0) + amount_part + date_part, ", ".join(why)


def _candidates_for_actual(session: Session, tenant_id: int, item: Any) -> list[Candidate]:
    refs = {r for r in (item.utr, item.our_ref, item.bank_ref) if r}
    found = repo.expected_candidates(
        session, tenant_id, item, CANDIDATE_WINDOW_DAYS, CANDIDATE_SPREAD
    )
    out = []
    for e in found:
        same = bool(refs & {e.reference, e.utr})
        score, why = _score(e.amount, item.amount, (e.expected_on - item.value_date).days, same)
        out.append(
            Candidate(
                "expected", e.id, e.amount, e.expected_on, e.reference, e.counterparty, score, why
            )
        )
    return sorted(out, key=lambda c: (-c.score, c.id))[:10]


def _candidates_for_expected(session: Session, tenant_id: int, item: Any) -> list[Candidate]:
    refs = {r for r in (item.reference, item.utr) if r}
    found = repo.actual_candidates(
        session, tenant_id, item, CANDIDATE_WINDOW_DAYS, CANDIDATE_SPREAD
    )
    out = []
    for a in found:
        same = bool(refs & {a.utr, a.our_ref})
        score, why = _score(a.amount, item.amount, (a.value_date - item.expected_on).days, same)
        reference = a.utr or a.our_ref or a.bank_ref
        out.append(
            Candidate("actual", a.id, a.amount, a.value_date, reference, a.counterparty, score, why)
        )
    return sorted(out, key=lambda c: (-c.score, c.id))[:10]


def break_view(session: Session, tenant_id: int, break_id: int) -> BreakView:
    """Return the break with its item, ranked candidates, suggestions, comments, requests.

    Raises NotFound.
    """
    found = repo.queue_row(session, tenant_id, break_id)
    if found is None:
        raise NotFound(f"no reconciliation break {break_id}")
    today = tenant_repository.business_date(session, tenant_id)
    brk: ReconBreak = found[0]
    if brk.actual_item_id is not None:
        item = recon_repository.actual_item(session, tenant_id, brk.actual_item_id)
        candidates = _candidates_for_actual(session, tenant_id, item)
    else:
        (item,) = recon_repository.expected_items(session, tenant_id, [brk.expected_item_id])
        candidates = _candidates_for_expected(session, tenant_id, item)
    return BreakView(
        row=_row(found, today),
        item=item,
        candidates=candidates,
        suggestions=repo.suggestions_for(
            session, tenant_id, brk.actual_item_id, brk.expected_item_id
        ),
        comments=repo.comments(session, brk.id),
        resolutions=repo.resolutions(session, brk.id),
    )


def locked_break(session: Session, tenant_id: int, break_id: int) -> ReconBreak:
    """Return the break locked for update; raises NotFound."""
    brk = repo.lock_break(session, tenant_id, break_id)
    if brk is None:
        raise NotFound(f"no reconciliation break {break_id}")
    return brk


def _open(brk: ReconBreak) -> None:
    if brk.status != "open":
        raise Conflict(f"break {brk.id} is {brk.status}; only open breaks can be worked")


def assign(session: Session, who: Principal, break_id: int, username: str | None) -> ReconBreak:
    """Assign the break to ``username`` (None: unassign). Raises NotFound, Unprocessable."""
    brk = locked_break(session, who.tenant_id, break_id)
    _open(brk)
    if username and user_repository.by_username(session, who.tenant_id, username) is None:
        raise Unprocessable(
            "cannot assign", problems=[FieldProblem("username", f"no user {username!r}")]
        )
    before = brk.assigned_to
    brk.assigned_to = username or None
    audit(
        session,
        who,
        "recon.break.assign",
        "recon_break",
        brk.id,
        {"assigned_to": before},
        {"assigned_to": brk.assigned_to},
    )
    return brk


def set_root_cause(session: Session, who: Principal, break_id: int, cause: str) -> ReconBreak:
    """Record the root-cause category; raises Unprocessable for an unknown category."""
    try:
        value = RootCause(cause)
    except ValueError:
        known = ", ".join(RootCause)
        raise Unprocessable(
            "unknown root cause",
            problems=[FieldProblem("root_cause", f"{cause!r}; one of {known}")],
        ) from None
    brk = locked_break(session, who.tenant_id, break_id)
    before = brk.root_cause
    brk.root_cause = str(value)
    audit(
        session,
        who,
        "recon.break.root_cause",
        "recon_break",
        brk.id,
        {"root_cause": before},
        {"root_cause": brk.root_cause},
    )
    return brk


def comment(session: Session, who: Principal, break_id: int, body: str) -> Any:
    """Add a comment; raises Unprocessable when empty or longer than 4,000 characters."""
    text = (body or "").strip()
    if not text or len(text) > 4000:
        raise Unprocessable(
            "comment refused", problems=[FieldProblem("body", "1..4000 characters")]
        )
    brk = locked_break(session, who.tenant_id, break_id)
    row = repo.add_comment(session, who.tenant_id, brk.id, who.username, text)
    audit(session, who, "recon.break.comment", "recon_break", brk.id, None, {"comment_id": row.id})
    return row
