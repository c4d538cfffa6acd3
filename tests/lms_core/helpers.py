"""Shared test helpers: a LoanTerms factory and schedules as small text tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from lms_core.schedule.lines import Schedule
from lms_core.schedule.terms import Frequency, LoanTerms

BASE = LoanTerms(
    principal=Decimal("12000"),
    annual_rate=Decimal("12"),
    tenure=6,
    frequency=Frequency.MONTHLY,
    disbursement_date=date(2024, 1, 1),
)


def terms(**changes) -> LoanTerms:
    """Return 12,000 at 12 % over 6 months from 1 Jan 2024, with ``changes``."""
    return replace(BASE, **changes)


def rows(schedule: Schedule) -> list[tuple[str, ...]]:
    """Return the schedule as (no, due, principal, interest, total, balance) strings."""
    cent = Decimal("0.01")
    return [
        (
            str(line.number),
            line.due_date.isoformat(),
            *(str(v.quantize(cent)) for v in (line.principal, line.interest, line.total)),
            str(line.balance.quantize(cent)),
        )
        for line in schedule.lines
    ]


def table(text: str) -> list[tuple[str, ...]]:
    """Return the rows of a whitespace-separated table, skipping its header line."""
    lines = [line.split() for line in text.strip().splitlines()]
    return [tuple(cells) for cells in lines[1:]]


def emi(principal: Decimal, period_rate: Decimal, count: int) -> Decimal:
    """The standard EMI formula P·r·(1+r)^n / ((1+r)^n − 1), unrounded."""
    growth = (1 + period_rate) ** count
    return principal * period_rate * growth / (growth - 1)
