"""Daily interest accrual and penal interest, for the end-of-day job.

Interest for a balance over ``[start, end)`` is ``balance × annual rate × year
fraction`` per the loan's day count (:mod:`lms_core.daycount`), at full precision.

Daily postings must be in paise yet add up exactly to the period's interest. Rounding
each day on its own drifts (30 days of 4.166… post 30 × 4.17 = 125.10, not 125.00), so
the job keeps an :class:`AccrualState`: the *precise* cumulative interest since the
period's anchor date and the cumulative amount *posted*. Each day it adds the day's
precise interest, rounds the new cumulative total, and posts the difference between the
rounded total and what was already posted. The postings of any run of days therefore sum
to the rounded cumulative interest, which for a constant balance is exactly the period's
interest; the sub-paisa residue is carried, never lost or doubled.

The day's precise interest is the *difference of year fractions from the anchor*
(``yf(anchor, day + 1) − yf(anchor, day)``), not ``yf(day, day + 1)``, so that 30/360,
whose month ends are not additive day by day, still sums to the period's figure.

Penal interest is the same computation on the overdue amount at the penal rate, kept
in its own :class:`AccrualState` (it is booked to a different account).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from lms_core.daycount import DayCount, year_fraction
from lms_core.money import HUNDRED, ZERO, RoundingMode, round_to

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AccrualState:
    """Cumulative accrual since ``anchor``: precise and posted (rounded) totals."""

    anchor: date
    precise: Decimal = ZERO
    posted: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Posting:
    day: date
    amount: Decimal


def accrue(
    balance: Decimal, annual_rate: Decimal, start: date, end: date, day_count: DayCount
) -> Decimal:
    """Return the unrounded interest on ``balance`` from ``start`` to ``end`` (end excluded).

    ``annual_rate`` is in percent per year.
    """
    return balance * annual_rate / HUNDRED * year_fraction(start, end, day_count)


def accrue_day(
    state: AccrualState,
    day: date,
    balance: Decimal,
    annual_rate: Decimal,
    day_count: DayCount,
    mode: RoundingMode = RoundingMode.HALF_EVEN,
) -> tuple[Posting, AccrualState]:
    """Return the posting for ``day`` (its interest, to the paisa) and the next state.

    ``balance`` is the balance at the end of ``day``; a balance change is simply a new
    balance on the next call. Posted amounts of consecutive days sum to the rounded
    cumulative interest.
    """
    anchor = state.anchor
    fraction = year_fraction(anchor, day + _DAY, day_count) - year_fraction(anchor, day, day_count)
    precise = state.precise + balance * annual_rate / HUNDRED * fraction
    posted = round_to(precise, 2, mode)
    posting = Posting(day, posted - state.posted)
    return posting, replace(state, precise=precise, posted=posted)


def accrue_range(
    state: AccrualState,
    start: date,
    end: date,
    balance: Decimal,
    annual_rate: Decimal,
    day_count: DayCount,
    mode: RoundingMode = RoundingMode.HALF_EVEN,
) -> tuple[tuple[Posting, ...], AccrualState]:
    """Return the daily postings for ``[start, end)`` at a constant balance, and the state.

    Used to catch up days the job missed; the postings are the ones
    :func:`accrue_day` would have made day by day.
    """
    postings = []
    for day in days_between(start, end):
        posting, state = accrue_day(state, day, balance, annual_rate, day_count, mode)
        postings.append(posting)
    return tuple(postings), state


def days_between(start: date, end: date) -> Iterator[date]:
    """Yield the days from ``start`` up to, not including, ``end``."""
    day = start
    while day < end:
        yield day
        day += _DAY


def penal_interest(
    overdue: Decimal,
    penal_rate: Decimal,
    start: date,
    end: date,
    day_count: DayCount,
    mode: RoundingMode = RoundingMode.HALF_EVEN,
) -> Decimal:
    """Return the penal interest, to the paisa, on ``overdue`` from ``start`` to ``end``.

    ``penal_rate`` is in percent per year. Nothing accrues on a zero or negative amount.
    """
    if overdue <= 0 or end <= start:
        return ZERO
    return round_to(accrue(overdue, penal_rate, start, end, day_count), 2, mode)
