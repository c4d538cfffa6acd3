"""SQL of the break desk: the filtered queue, candidates, comments, resolutions, policy.

A break points at one item, actual (a statement / UTR-feed line) or expected; the queue
joins both sides so a row shows the account, source, counterparty and reference whichever
side it is. Ageing counts business days from ``opened_on`` to the tenant's business date
(the caller passes that date: nothing here reads the clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, any_, func, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from lms_core.persistence.recon.desk_models import (
    ReconBreakComment,
    ReconResolution,
)
from lms_core.persistence.recon.models import (
    ReconAccount,
    ReconActualItem,
    ReconBreak,
    ReconExpectedItem,
    ReconMatchGroup,
    ReconRun,
    ReconSuggestion,
)
from lms_core.recon.resolutions import ResolutionStatus


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters; None / empty means "any"."""

    status: str | None = "open"
    side: str | None = None
    reason: str | None = None
    account: str | None = None
    source: str | None = None
    partner: str | None = None
    direction: str | None = None
    assigned_to: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_age: int | None = None
    max_age: int | None = None


_actual, _expected, _account = (
    aliased(ReconActualItem),
    aliased(ReconExpectedItem),
    aliased(ReconAccount),
)
_ACCOUNT = func.coalesce(_account.account_no, _expected.account)
_SOURCE = func.coalesce(_expected.source, _actual.kind)
_PARTNER = func.coalesce(_expected.counterparty, _actual.counterparty)
_REFERENCE = func.coalesce(_expected.reference, _actual.utr, _actual.our_ref, _actual.bank_ref)
_ITEM_DATE = func.coalesce(_actual.value_date, _expected.expected_on)
_PENDING = (
    select(ReconResolution.id)
    .where(
        ReconResolution.break_id == ReconBreak.id,
        ReconResolution.status == ResolutionStatus.PENDING,
    )
    .correlate(ReconBreak)
    .exists()
)


def _queue_select(tenant_id: int) -> Select:
    return (
        select(
            ReconBreak,
            _ACCOUNT.label("account"),
            _SOURCE.label("source"),
            _PARTNER.label("partner"),
            _REFERENCE.label("reference"),
            _ITEM_DATE.label("item_date"),
            _actual.narration.label("narration"),
            _PENDING.label("pending_approval"),
        )
        .outerjoin(_actual, _actual.id == ReconBreak.actual_item_id)
        .outerjoin(_account, _account.id == _actual.account_id)
        .outerjoin(_expected, _expected.id == ReconBreak.expected_item_id)
        .where(ReconBreak.tenant_id == tenant_id)
    )


def _filtered(stmt: Select, f: QueueFilter, today: date) -> Select:
    exact = {
        ReconBreak.status: f.status,
        ReconBreak.side: f.side,
        ReconBreak.reason: f.reason,
        ReconBreak.direction: f.direction,
        ReconBreak.assigned_to: f.assigned_to,
        _ACCOUNT: f.account,
        _SOURCE: f.source,
    }
    for column, value in exact.items():
        if value:
            stmt = stmt.where(column == value)
    if f.partner:
        stmt = stmt.where(_PARTNER.ilike(f"%{f.partner}%"))
    if f.min_amount is not None:
        stmt = stmt.where(ReconBreak.amount >= f.min_amount)
    if f.max_amount is not None:
        stmt = stmt.where(ReconBreak.amount <= f.max_amount)
    if f.min_age is not None:  # older than min_age days: opened on or before today - min_age
        stmt = stmt.where(ReconBreak.opened_on <= today - timedelta(days=f.min_age))
    if f.max_age is not None:
        stmt = stmt.where(ReconBreak.opened_on >= today - timedelta(days=f.max_age))
    return stmt


def queue(
    session: Session, tenant_id: int, f: QueueFilter, today: date, *, limit: int, offset: int = 0
) -> list[Any]:
    """Return queue rows (ReconBreak + account, source, partner, reference ...), oldest first."""
    stmt = _filtered(_queue_select(tenant_id), f, today)
    stmt = stmt.order_by(ReconBreak.opened_on, ReconBreak.id).limit(limit).offset(offset)
    return list(session.execute(stmt))


def queue_row(session: Session, tenant_id: int, break_id: int) -> Any | None:
    return session.execute(_queue_select(tenant_id).where(ReconBreak.id == break_id)).first()


def age_counts(session: Session, tenant_id: int, f: QueueFilter, today: date) -> list[Any]:
    """Return (opened_on, count, amount) for the filtered queue, for the ageing buckets."""
    base = _filtered(_queue_select(tenant_id), f, today).subquery()
    stmt = select(base.c.opened_on, func.count(), func.sum(base.c.amount)).group_by(
        base.c.opened_on
    )
    return list(session.execute(stmt))


def lock_break(session: Session, tenant_id: int, break_id: int) -> ReconBreak | None:
    return session.scalar(
        select(ReconBreak)
        .where(ReconBreak.tenant_id == tenant_id, ReconBreak.id == break_id)
        .with_for_update()
    )


# --- candidates --------------------------------------------------------------------------


def expected_candidates(
    session: Session, tenant_id: int, item: ReconActualItem, window: int, spread: Decimal
) -> list[ReconExpectedItem]:
    """Open expected items that could be ``item``: same direction and either its reference,
    or an amount within ``spread`` (share) and a date within ``window`` days."""
    refs = [r for r in (item.utr, item.our_ref, item.bank_ref) if r]
    near = and_(
        ReconExpectedItem.amount.between(item.amount * (1 - spread), item.amount * (1 + spread)),
        ReconExpectedItem.expected_on.between(
            item.value_date - timedelta(days=window), item.value_date + timedelta(days=window)
        ),
    )
    by_ref = or_(ReconExpectedItem.reference.in_(refs), ReconExpectedItem.utr.in_(refs))
    stmt = select(ReconExpectedItem).where(
        ReconExpectedItem.tenant_id == tenant_id,
        ReconExpectedItem.status == "open",
        ReconExpectedItem.direction == item.direction,
        or_(near, by_ref) if refs else near,
    )
    return list(session.scalars(stmt.limit(50)))


def actual_candidates(
    session: Session, tenant_id: int, item: ReconExpectedItem, window: int, spread: Decimal
) -> list[ReconActualItem]:
    """Unmatched actual items that could settle ``item`` (same rules, other way round)."""
    refs = [r for r in (item.reference, item.utr) if r]
    near = and_(
        ReconActualItem.amount.between(item.amount * (1 - spread), item.amount * (1 + spread)),
        ReconActualItem.value_date.between(
            item.expected_on - timedelta(days=window), item.expected_on + timedelta(days=window)
        ),
    )
    by_ref = or_(ReconActualItem.utr.in_(refs), ReconActualItem.our_ref.in_(refs))
    stmt = select(ReconActualItem).where(
        ReconActualItem.tenant_id == tenant_id,
        ReconActualItem.matched_group_id.is_(None),
        ReconActualItem.corroborates_id.is_(None),
        ReconActualItem.held.is_(False),
        ReconActualItem.direction == item.direction,
        or_(near, by_ref),
    )
    return list(session.scalars(stmt.limit(50)))


def suggestions_for(
    session: Session, tenant_id: int, actual_id: int | None, expected_id: int | None
) -> list[ReconSuggestion]:
    """The engine's suggestions that name this actual or expected item."""
    wanted = []
    if actual_id is not None:
        wanted.append(literal(actual_id) == any_(ReconSuggestion.actual_ids))
    if expected_id is not None:
        wanted.append(literal(expected_id) == any_(ReconSuggestion.expected_ids))
    stmt = select(ReconSuggestion).where(ReconSuggestion.tenant_id == tenant_id, or_(*wanted))
    return list(session.scalars(stmt.order_by(ReconSuggestion.score.desc()).limit(20)))


# --- comments, resolutions, policy -------------------------------------------------------


def add_comment(session: Session, tenant_id: int, break_id: int, author: str, body: str):
    row = ReconBreakComment(tenant_id=tenant_id, break_id=break_id, author=author, body=body)
    session.add(row)
    session.flush()
    return row


def comments(session: Session, break_id: int) -> list[ReconBreakComment]:
    stmt = select(ReconBreakComment).where(ReconBreakComment.break_id == break_id)
    return list(session.scalars(stmt.order_by(ReconBreakComment.id)))


def add_resolution(session: Session, **values: Any) -> ReconResolution:
    row = ReconResolution(**values)
    session.add(row)
    session.flush()
    return row


def resolutions(session: Session, break_id: int) -> list[ReconResolution]:
    stmt = select(ReconResolution).where(ReconResolution.break_id == break_id)
    return list(session.scalars(stmt.order_by(ReconResolution.id)))


def lock_resolution(session: Session, tenant_id: int, resolution_id: int) -> ReconResolution | None:
    return session.scalar(
        select(ReconResolution)
        .where(ReconResolution.tenant_id == tenant_id, ReconResolution.id == resolution_id)
        .with_for_update()
    )


def pending_resolutions(session: Session, tenant_id: int, limit: int = 200):
    stmt = select(ReconResolution).where(
        ReconResolution.tenant_id == tenant_id,
        ReconResolution.status == ResolutionStatus.PENDING,
    )
    return list(session.scalars(stmt.order_by(ReconResolution.id).limit(limit)))


# --- summary -------------------------------------------------------------------------------


def latest_runs(session: Session, tenant_id: int, limit: int = 10) -> list[ReconRun]:
    stmt = select(ReconRun).where(ReconRun.tenant_id == tenant_id)
    return list(session.scalars(stmt.order_by(ReconRun.id.desc()).limit(limit)))


def run(session: Session, tenant_id: int, run_id: int) -> ReconRun | None:
    return session.scalar(
        select(ReconRun).where(ReconRun.tenant_id == tenant_id, ReconRun.id == run_id)
    )


def actual_match_counts(session: Session, tenant_id: int) -> tuple[int, int]:
    """Return (actual items not held, of which matched or corroborating a matched line)."""
    settled = or_(
        ReconActualItem.matched_group_id.is_not(None), ReconActualItem.corroborates_id.is_not(None)
    )
    stmt = select(func.count(), func.count().filter(settled)).where(
        ReconActualItem.tenant_id == tenant_id, ReconActualItem.held.is_(False)
    )
    total, matched = session.execute(stmt).one()
    return total, matched


def break_counts(session: Session, tenant_id: int) -> list[Any]:
    """Return (status, reason, count, amount, total days to close) per status and reason."""
    days = func.sum(ReconBreak.closed_on - ReconBreak.opened_on)
    stmt = (
        select(
            ReconBreak.status, ReconBreak.reason, func.count(), func.sum(ReconBreak.amount), days
        )
        .where(ReconBreak.tenant_id == tenant_id)
        .group_by(ReconBreak.status, ReconBreak.reason)
    )
    return list(session.execute(stmt))


def close_breaks(
    session: Session, actual_ids: Sequence[int], expected_ids: Sequence[int], today: date
) -> int:
    """Close the open breaks of these items (they are matched now); return how many."""
    stmt = (
        update(ReconBreak)
        .where(
            ReconBreak.status == "open",
            or_(
                ReconBreak.actual_item_id.in_(list(actual_ids) or [-1]),
                ReconBreak.expected_item_id.in_(list(expected_ids) or [-1]),
            ),
        )
        .values(status="closed", closed_on=today)
    )
    return session.execute(stmt).rowcount


# --- manual match / unmatch ---------------------------------------------------------------


def lock_group(session: Session, tenant_id: int, group_id: int) -> ReconMatchGroup | None:
    return session.scalar(
        select(ReconMatchGroup)
        .where(ReconMatchGroup.tenant_id == tenant_id, ReconMatchGroup.id == group_id)
        .with_for_update()
    )


def group_items(
    session: Session, group: ReconMatchGroup
) -> tuple[list[ReconActualItem], list[ReconExpectedItem]]:
    """The items ``group`` claimed (listed on the group: no index on matched_group_id)."""
    actual = select(ReconActualItem).where(
        ReconActualItem.id.in_(group.actual_ids), ReconActualItem.matched_group_id == group.id
    )
    expected = select(ReconExpectedItem).where(
        ReconExpectedItem.id.in_(group.expected_ids),
        ReconExpectedItem.matched_group_id == group.id,
    )
    return list(session.scalars(actual)), list(session.scalars(expected))


def release_group(session: Session, group: ReconMatchGroup) -> None:
    """Free the group's items: actual lines unclaimed, expected items open again."""
    session.execute(
        update(ReconActualItem)
        .where(
            ReconActualItem.id.in_(group.actual_ids),
            ReconActualItem.matched_group_id == group.id,
        )
        .values(matched_group_id=None)
    )
    session.execute(
        update(ReconExpectedItem)
        .where(
            ReconExpectedItem.id.in_(group.expected_ids),
            ReconExpectedItem.matched_group_id == group.id,
        )
        .values(matched_group_id=None, status="open")
    )


def breaks_of(
    session: Session, actual_ids: Sequence[int], expected_ids: Sequence[int]
) -> list[ReconBreak]:
    stmt = select(ReconBreak).where(
        or_(
            ReconBreak.actual_item_id.in_(list(actual_ids) or [-1]),
            ReconBreak.expected_item_id.in_(list(expected_ids) or [-1]),
        )
    )
    return list(session.scalars(stmt.with_for_update()))


def add_break(session: Session, **values: Any) -> ReconBreak:
    row = ReconBreak(**values)
    session.add(row)
    session.flush()
    return row
