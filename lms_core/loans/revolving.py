"""Revolving credit and overdraft lines, as pure values.

A *line* is a sanctioned limit the borrower draws and repays at will while it is
valid. Its figures:

* ``drawn``: principal outstanding; ``available = limit - drawn`` (never negative);
  ``utilisation = drawn / limit`` in percent, to two places (half-up).
* Interest accrues **daily on the drawn balance at the end of each day**:
  ``drawn × rate % × year fraction(day, day + 1)`` per the line's day count, kept at
  full precision since the period's start and posted in paise as the rounded
  cumulative total minus what was posted (:func:`lms_core.accrual.accrue_day`), so the
  daily postings of a period add up exactly to the period's interest computed from
  its daily balances.
* On the **billing day** (a day of the month, clamped to short months) the period's
  interest is billed as a due: the period ``[period start, billing date)`` closes with
  the day-end of the day before the billing date, so the due exists on the billing
  date itself.
* A drawdown must fit in the available limit and fall inside the line's validity.
* A repayment settles open dues oldest first (fees, then interest), then principal,
  which restores the available limit. More than the line owes is refused.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lms_core.accrual import AccrualState, accrue_day
from lms_core.daycount import DayCount
from lms_core.money import HUNDRED, ZERO, RoundingMode, round_to

_DAY = timedelta(days=1)


class LineDueKind(StrEnum):
    FEE = "fee"
    INTEREST = "interest"


ALLOCATION_ORDER = (LineDueKind.FEE, LineDueKind.INTEREST)  # then principal


@dataclass(frozen=True, slots=True)
class LineTerms:
    limit: Decimal
    annual_rate: Decimal  # percent a year
    day_count: DayCount
    billing_day: int  # 1..31, clamped to the month's last day
    valid_from: date
    valid_until: date


@dataclass(frozen=True, slots=True)
class LineProblem:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class OpenLineDue:
    id: int
    kind: LineDueKind
    due_date: date
    outstanding: Decimal


@dataclass(frozen=True, slots=True)
class LineAllocation:
    """How a repayment splits: per due (id, amount), then principal."""

    dues: tuple[tuple[int, Decimal], ...]
    fees: Decimal
    interest: Decimal
    principal: Decimal


@dataclass(frozen=True, slots=True)
class DayAccrual:
    """One day's accrual: the posting (paise) and the period state after it."""

    day: date
    balance: Decimal
    amount: Decimal
    state: AccrualState


def available(limit: Decimal, drawn: Decimal) -> Decimal:
    """Return what can still be drawn (0 when the line is fully drawn or over)."""
    return max(limit - drawn, ZERO)


def utilisation_percent(limit: Decimal, drawn: Decimal) -> Decimal:
    """Return drawn / limit in percent, to two places (half-up); 0 for a zero limit."""
    if limit <= 0:
        return ZERO
    return round_to(drawn * HUNDRED / limit, 2, RoundingMode.HALF_UP)


def terms_problems(terms: LineTerms) -> list[LineProblem]:
    """Return every reason ``terms`` cannot open a line (empty when they can)."""
    problems = []
    if terms.limit <= 0:
        problems.append(LineProblem("limit", f"must be positive, got {terms.limit}"))
    if terms.annual_rate < 0:
        problems.append(
            LineProblem("annual_rate", f"must not be negative, got {terms.annual_rate}")
        )
    if not 1 <= terms.billing_day <= 31:
        problems.append(LineProblem("billing_day", f"must be 1..31, got {terms.billing_day}"))
    if terms.valid_until <= terms.valid_from:
        problems.append(
            LineProblem(
                "valid_until", f"{terms.valid_until} is not after valid_from {terms.valid_from}"
            )
        )
    return problems


def drawdown_problems(
    terms: LineTerms, drawn: Decimal, amount: Decimal, day: date
) -> list[LineProblem]:
    """Return why drawing ``amount`` on ``day`` is refused (empty when allowed)."""
    if amount <= 0:
        return [LineProblem("amount", f"must be positive, got {amount}")]
    problems = []
    if not terms.valid_from <= day <= terms.valid_until:
        problems.append(
            LineProblem(
                "value_date",
                f"{day} is outside the line's validity {terms.valid_from} .. {terms.valid_until}",
            )
        )
    free = available(terms.limit, drawn)
    if amount > free:
        problems.append(
            LineProblem(
                "amount",
                f"{amount:.2f} exceeds the available limit {free:.2f} "
                f"(limit {terms.limit:.2f}, drawn {drawn:.2f})",
            )
        )
    return problems


def allocate_repayment(
    amount: Decimal, dues: Sequence[OpenLineDue], drawn: Decimal
) -> LineAllocation | LineProblem:
    """Split ``amount`` over open dues (fees, then interest, oldest first), then principal.

    Returns a problem when the amount is not positive or exceeds what the line owes.
    """
    owed = sum((d.outstanding for d in dues), ZERO) + drawn
    if amount <= 0:
        return LineProblem("amount", f"must be positive, got {amount}")
    if amount > owed:
        return LineProblem("amount", f"{amount:.2f} exceeds what the line owes, {owed:.2f}")
    left, parts = amount, []
    totals = dict.fromkeys(LineDueKind, ZERO)
    order = {kind: i for i, kind in enumerate(ALLOCATION_ORDER)}
    for due in sorted(dues, key=lambda d: (order[d.kind], d.due_date, d.id)):
        take = min(left, due.outstanding)
        if take > 0:
            parts.append((due.id, take))
            totals[due.kind] += take
            left -= take
    return LineAllocation(tuple(parts), totals[LineDueKind.FEE], totals[LineDueKind.INTEREST], left)


def billing_date(year: int, month: int, billing_day: int) -> date:
    """Return the month's billing date (the billing day, or the month's last day)."""
    return date(year, month, min(billing_day, calendar.monthrange(year, month)[1]))


def is_billing_date(day: date, billing_day: int) -> bool:
    return day == billing_date(day.year, day.month, billing_day)


def accrue(
    state: AccrualState, day: date, balance: Decimal, annual_rate: Decimal, day_count: DayCount
) -> DayAccrual:
    """Return the accrual of ``day`` on the end-of-day ``balance`` (half-even paise)."""
    posting, after = accrue_day(state, day, balance, annual_rate, day_count)
    return DayAccrual(day, balance, posting.amount, after)


def bills_after(day: date, billing_day: int) -> bool:
    """True when the day-end of ``day`` closes a billing period (tomorrow is billing date)."""
    return is_billing_date(day + _DAY, billing_day)


def period_interest(
    balances: Sequence[tuple[date, Decimal]], annual_rate: Decimal, day_count: DayCount
) -> Decimal:
    """Return a period's interest from its end-of-day balances, rounded half-even.

    ``balances`` is every day of the period with its balance, in order; this is the
    figure the daily accruals of the period add up to.
    """
    if not balances:
        return ZERO
    state = AccrualState(balances[0][0])
    for day, balance in balances:
        state = accrue(state, day, balance, annual_rate, day_count).state
    return state.posted
