"""Due dates: generated from one anchor, never from the previous due date.

The anchor is the first due date. The k-th due date (k = 0, 1, ...) is the anchor plus
``k`` periods, computed afresh each time, so dates never drift: a loan due on the 31st
falls on 29 February, 30 April ... and returns to the 31st in the months that have one.
Computing from the previous date instead would leave it stuck on the 28th/29th/30th.

``stick_to_month_end`` adds the end-of-month rule: an anchor on the last day of its
month (say 30 April) puts every due date on the last day of its month (31 May ...).

Weekly and bi-weekly dates are the anchor plus 7 / 14 days × k. A custom frequency takes
the dates listed in the terms.

Each due date is then moved to a business day of the product's holiday calendar per its
convention. A :class:`Period` keeps both dates: ``due`` (when the borrower pays) and
``accrual_end`` (the adjusted or the unadjusted date, per ``LoanTerms.accrual_end``), and
the next period's interest starts where this one's ended, so no day earns twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from lms_core.schedule.terms import (
    DAYS_PER_PERIOD,
    MONTHS_PER_PERIOD,
    AccrualEnd,
    Frequency,
    LoanTerms,
)

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Period(NamedTuple):
    """One installment's period: interest runs from ``start`` to ``accrual_end``."""

    start: date
    accrual_end: date
    due: date  # the payment date, after holiday adjustment
    unadjusted: date


def month_length(year: int, month: int) -> int:
    """Return the number of days in ``month`` of ``year``."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def is_month_end(day: date) -> bool:
    """Return True when ``day`` is the last day of its month."""
    return day.day == month_length(day.year, day.month)


def add_months(anchor: date, months: int, month_end: bool = False) -> date:
    """Return ``anchor`` moved by ``months`` months, clamped to the month's last day.

    With ``month_end`` the result is the last day of the target month.
    """
    index = anchor.month - 1 + months
    year = anchor.year + index // 12
    month = index % 12 + 1
    last = month_length(year, month)
    return date(year, month, last if month_end or anchor.day > last else anchor.day)


def nth_due_date(anchor: date, k: int, frequency: Frequency, month_end: bool = False) -> date:
    """Return the unadjusted due date ``k`` periods after ``anchor`` (k may be negative)."""
    months = MONTHS_PER_PERIOD.get(frequency)
    if months is not None:
        return add_months(anchor, months * k, month_end)
    return anchor + timedelta(days=DAYS_PER_PERIOD[frequency] * k)


def default_first_due(terms: LoanTerms) -> date:
    """Return the first due date: as given, else one period after the disbursement."""
    if terms.first_due_date is not None:
        return terms.first_due_date
    if terms.frequency is Frequency.CUSTOM:
        return terms.custom[0].due_date
    return nth_due_date(terms.disbursement_date, 1, terms.frequency)


def regular_first_start(terms: LoanTerms) -> date:
    """Return where a regular-length first period would start (one period before the anchor).

    For a custom frequency there is no regular period: the disbursement date.
    """
    if terms.frequency is Frequency.CUSTOM:
        return terms.disbursement_date
    anchor = default_first_due(terms)
    return nth_due_date(anchor, -1, terms.frequency, _month_end(terms, anchor))


def _month_end(terms: LoanTerms, anchor: date) -> bool:
    return terms.stick_to_month_end and is_month_end(anchor)


def unadjusted_dates(terms: LoanTerms, first: int, count: int) -> list[date]:
    """Return the unadjusted due dates ``first`` .. ``first + count - 1`` (0-based)."""
    if terms.frequency is Frequency.CUSTOM:
        return [c.due_date for c in terms.custom[first : first + count]]
    anchor = default_first_due(terms)
    freq = terms.frequency
    month_end = _month_end(terms, anchor)
    months = MONTHS_PER_PERIOD.get(freq)
    if months is None:
        return [nth_due_date(anchor, k, freq) for k in range(first, first + count)]
    return _monthly(anchor, months, first, count, month_end)


def _monthly(anchor: date, months: int, first: int, count: int, month_end: bool) -> list[date]:
    """Return month-based due dates, each from the anchor (inlined: the hot path)."""
    base = anchor.year * 12 + anchor.month - 1
    day = anchor.day
    dates = []
    for k in range(first, first + count):
        year, month0 = divmod(base + months * k, 12)
        last = _MONTH_DAYS[month0]
        if month0 == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            last = 29
        dates.append(date(year, month0 + 1, last if month_end or day > last else day))
    return dates


def build_periods(terms: LoanTerms, start: date, first: int, count: int) -> list[Period]:
    """Return ``count`` periods from due date index ``first``, interest starting at ``start``."""
    dates = unadjusted_dates(terms, first, count)
    calendar, convention = terms.calendar, terms.convention
    adjust = calendar.adjust if convention != "none" else None
    to_adjusted = terms.accrual_end is AccrualEnd.ADJUSTED
    if adjust is None:
        new = tuple.__new__  # skips NamedTuple's Python-level __new__ in this hot path
        starts = [start, *dates[:-1]]
        return [new(Period, (s, e, e, e)) for s, e in zip(starts, dates, strict=True)]
    periods: list[Period] = []
    for day in dates:
        due = adjust(day, convention)
        end = due if to_adjusted else day
        periods.append(Period(start, end, due, day))
        start = end
    return periods
