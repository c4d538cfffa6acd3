"""Read side of reconciliation: JSON shapes, the break queue with ageing, break detail.

Ages are business days (tenant holiday calendar, Sundays off) from the break's
``opened_on`` to the business date; the queue reports each break's ``age`` and
``age_bucket`` (0-1, 2-3, 4-7, 8-15, 16-30, 31+ days) and the counts per bucket. A
break's detail puts its item beside its candidates: the engine's suggestions first,
then open items on the other side with the same amount within a week of its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.platform.errors import NotFound
from lms_core.calendar import SUNDAY, HolidayCalendar
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon import run_repository as repository
from lms_core.persistence.recon.models import (
    ReconAccount,
    ReconActualItem,
    ReconExpectedItem,
    ReconRun,
    ReconStatement,
)
from lms_core.recon.breaks import age_in_business_days

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    ("8-15", 8, 15),
    ("16-30", 16, 30),
    ("31+", 31, None),
)


@dataclass(frozen=True)
class BreakFilters:
    status: str = "open"
    side: str | None = None
    reason: str | None = None
    source: str | None = None
    account: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_age: int | None = None


def bucket_of(age: int) -> str:
    for label, low, high in AGE_BUCKETS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_BUCKETS[-1][0]


def calendar_for(session: Session, tenant_id: int) -> HolidayCalendar:
    holidays = frozenset(tenant_repository.holidays(session, tenant_id))
    return HolidayCalendar(f"tenant:{tenant_id}", holidays, weekend=frozenset({SUNDAY}))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def account_out(a: ReconAccount) -> dict[str, Any]:
    return {
        "id": a.id,
        "account_no": a.account_no,
        "bank": a.bank,
        "name": a.name,
        "currency": a.currency,
        "last_sequence": a.last_sequence,
    }


def expected_out(e: ReconExpectedItem) -> dict[str, Any]:
    return {
        "id": e.id,
        "source": e.source,
        "reference": e.reference,
        "amount": _money(e.amount),
        "currency": e.currency,
        "direction": e.direction,
        "expected_on": e.expected_on.isoformat(),
        "account": e.account,
        "loan_id": e.loan_id,
        "counterparty": e.counterparty,
        "utr": e.utr,
        "posting_ref": e.posting_ref,
        "batch": e.batch,
        "status": e.status,
        "matched_group_id": e.matched_group_id,
    }


def actual_out(a: ReconActualItem) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "statement_id": a.statement_id,
        "line_no": a.line_no,
        "direction": a.direction,
        "amount": _money(a.amount),
        "currency": a.currency,
        "value_date": a.value_date.isoformat(),
        "utr": a.utr,
        "rail": a.rail,
        "our_ref": a.our_ref,
        "bank_ref": a.bank_ref,
        "narration": a.narration,
        "counterparty": a.counterparty,
        "held": a.held,
        "matched_group_id": a.matched_group_id,
        "corroborates_id": a.corroborates_id,
    }


def statement_out(s: ReconStatement, account_no: str) -> dict[str, Any]:
    return {
        "id": s.id,
        "account": account_no,
        "kind": s.kind,
        "statement_ref": s.statement_ref,
        "sequence_no": s.sequence_no,
        "statement_date": s.statement_date.isoformat() if s.statement_date else None,
        "opening": _money(s.opening),
        "closing": _money(s.closing),
        "line_count": s.line_count,
        "status": s.status,
        "hold_reason": s.hold_reason,
        "inbox_item_id": s.inbox_item_id,
    }


def run_out(r: ReconRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "business_date": r.business_date.isoformat(),
        "status": r.status,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "triggered_by": r.triggered_by,
        "summary": r.summary,
    }


def runs(session: Session, tenant_id: int, limit: int) -> list[ReconRun]:
    return repository.runs(session, tenant_id, limit)


def _break_out(row: Any, today: date, calendar: HolidayCalendar) -> dict[str, Any]:
    age = age_in_business_days(row.opened_on, today, calendar)
    return {
        "id": row.id,
        "side": row.side,
        "actual_item_id": row.actual_item_id,
        "expected_item_id": row.expected_item_id,
        "reason": row.reason,
        "detail": row.detail,
        "amount": _money(row.amount),
        "direction": row.direction,
        "opened_on": row.opened_on.isoformat(),
        "age": age,
        "age_bucket": bucket_of(age),
        "status": row.status,
        "account": row.account,
        "source": row.source,
        "reference": row.reference,
        "assigned_to": row.assigned_to,
        "root_cause": row.root_cause,
        "resolution": row.resolution,
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
    }


def break_queue(
    session: Session, tenant_id: int, filters: BreakFilters, limit: int, offset: int
) -> dict[str, Any]:
    """Return ``{"items": [...], "total": n, "buckets": {label: count}}`` for the filters."""
    today = tenant_repository.business_date(session, tenant_id)
    calendar = calendar_for(session, tenant_id)
    rows = repository.break_rows(session, tenant_id, filters)
    shaped = [_break_out(r, today, calendar) for r in rows]
    if filters.min_age is not None:
        shaped = [b for b in shaped if b["age"] >= filters.min_age]
    buckets = {label: 0 for label, _, _ in AGE_BUCKETS}
    for b in shaped:
        buckets[b["age_bucket"]] += 1
    return {"items": shaped[offset : offset + limit], "total": len(shaped), "buckets": buckets}


def break_detail(session: Session, tenant_id: int, break_id: int) -> dict[str, Any]:
    """Return the break, its item, the engine's suggestions and same-amount candidates."""
    row = repository.break_row(session, tenant_id, break_id)
    if row is None:
        raise NotFound(f"no break {break_id}")
    today = tenant_repository.business_date(session, tenant_id)
    out = _break_out(row, today, calendar_for(session, tenant_id))
    if row.actual_item_id is not None:
        item = repository.actual_item(session, tenant_id, row.actual_item_id)
        out["item"] = actual_out(item) if item else None
        candidates = repository.expected_candidates(session, tenant_id, row)
        out["candidates"] = [expected_out(e) for e in candidates]
    else:
        items = repository.expected_items(session, tenant_id, [row.expected_item_id])
        out["item"] = expected_out(items[0]) if items else None
        candidates = repository.actual_candidates(session, tenant_id, row)
        out["candidates"] = [actual_out(a) for a in candidates]
    out["suggestions"] = [
        {
            "id": s.id,
            "rule": s.rule,
            "actual_ids": list(s.actual_ids),
            "expected_ids": list(s.expected_ids),
            "score": str(s.score),
            "note": s.note,
        }
        for s in repository.suggestions_for(session, tenant_id, row)
    ]
    return out
