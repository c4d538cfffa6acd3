"""Due dates: from the anchor, month-end clamping, no drift, holiday adjustment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from lms_core.calendar import BusinessDayConvention, HolidayCalendar
from lms_core.schedule.dates import add_months, build_periods, unadjusted_dates
from lms_core.schedule.terms import AccrualEnd, Frequency
from tests.lms_core.helpers import terms


def test_loan_due_on_the_31st_returns_to_the_31st():
    """A loan due on 31 Jan falls on 29 Feb (leap), 31 Mar, 30 Apr, 31 May: never drifts."""
    loan = terms(first_due_date=date(2024, 1, 31), disbursement_date=date(2023, 12, 31))
    assert unadjusted_dates(loan, 0, 5) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_month_end_rule_sticks_to_last_days():
    loan = terms(
        disbursement_date=date(2024, 3, 30),
        first_due_date=date(2024, 4, 30),
        stick_to_month_end=True,
    )
    assert unadjusted_dates(loan, 0, 4) == [
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
        date(2024, 7, 31),
    ]


def test_without_month_end_rule_the_30th_stays_the_30th():
    loan = terms(disbursement_date=date(2024, 3, 30), first_due_date=date(2024, 4, 30))
    assert unadjusted_dates(loan, 0, 3) == [date(2024, 4, 30), date(2024, 5, 30), date(2024, 6, 30)]


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        (Frequency.WEEKLY, [date(2024, 1, 8), date(2024, 1, 15), date(2024, 1, 22)]),
        (Frequency.BIWEEKLY, [date(2024, 1, 15), date(2024, 1, 29), date(2024, 2, 12)]),
        (Frequency.MONTHLY, [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]),
        (Frequency.QUARTERLY, [date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]),
        (Frequency.HALF_YEARLY, [date(2024, 7, 1), date(2025, 1, 1), date(2025, 7, 1)]),
        (Frequency.YEARLY, [date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1)]),
    ],
)
def test_frequencies_default_first_due_one_period_after_disbursement(frequency, expected):
    assert unadjusted_dates(terms(frequency=frequency), 0, 3) == expected


def test_add_months_clamps_and_goes_backwards():
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 13) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12, month_end=True) == date(2025, 2, 28)


def test_holiday_adjustment_moves_payment_and_optionally_interest():
    """1 Sep 2024 is a Sunday; 2 Sep is a holiday: 'following' pays on 3 Sep."""
    calendar = HolidayCalendar(holidays=frozenset({date(2024, 9, 2)}))
    base = terms(
        first_due_date=date(2024, 8, 1),
        disbursement_date=date(2024, 7, 1),
        calendar=calendar,
        convention=BusinessDayConvention.FOLLOWING,
    )
    unadjusted = build_periods(base, date(2024, 7, 1), 0, 3)
    assert [p.due for p in unadjusted] == [date(2024, 8, 1), date(2024, 9, 3), date(2024, 10, 1)]
    assert unadjusted[1].accrual_end == date(2024, 9, 1)
    assert unadjusted[2].start == date(2024, 9, 1)
    adjusted = build_periods(replace(base, accrual_end=AccrualEnd.ADJUSTED), date(2024, 7, 1), 0, 3)
    assert adjusted[1].accrual_end == date(2024, 9, 3)
    assert adjusted[2].start == date(2024, 9, 3)
