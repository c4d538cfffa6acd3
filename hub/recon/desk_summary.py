"""Reconciliation at a glance: match rate, breaks by reason and status, time to resolve.

``match_rate`` is the share of actual items (statement and UTR-feed lines not held for a
sequence gap) that are matched, or that corroborate a matched statement line, as a
percentage with two decimals (half-up). ``days_to_resolve`` is the mean of
``closed_on - opened_on`` over breaks closed by a match or resolved at the desk. The
latest runs are listed with the engine's own summary of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lms_core.money import D, round_money
from lms_core.persistence.recon import desk_repository as repo


@dataclass(frozen=True)
class ReasonLine:
    status: str
    reason: str
    count: int
    amount: Decimal


@dataclass
class DeskSummary:
    actual_items: int
    matched_items: int
    match_rate: Decimal  # percent
    open_breaks: int
    open_amount: Decimal
    days_to_resolve: Decimal | None
    by_reason: list[ReasonLine] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)


def summary(session: Session, tenant_id: int) -> DeskSummary:
    """Return the tenant's reconciliation summary (see the module docstring)."""
    total, matched = repo.actual_match_counts(session, tenant_id)
    rate = round_money(D(matched) * 100 / D(total)) if total else D("0.00")
    lines, closed, closed_days = [], 0, 0
    for status, reason, count, amount, days in repo.break_counts(session, tenant_id):
        lines.append(ReasonLine(status, reason, count, amount or D("0")))
        if status != "open" and days is not None:
            closed, closed_days = closed + count, closed_days + days
    open_lines = [x for x in lines if x.status == "open"]
    runs = [
        {
            "id": r.id,
            "business_date": r.business_date,
            "status": r.status,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "summary": r.summary or {},
        }
        for r in repo.latest_runs(session, tenant_id)
    ]
    return DeskSummary(
        actual_items=total,
        matched_items=matched,
        match_rate=rate,
        open_breaks=sum(x.count for x in open_lines),
        open_amount=sum((x.amount for x in open_lines), D("0")),
        days_to_resolve=round_money(D(closed_days) / D(closed)) if closed else None,
        by_reason=sorted(lines, key=lambda x: (x.status, -x.count)),
        runs=runs,
    )
