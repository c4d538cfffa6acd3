"""Daily accrual: postings in paise that add up exactly to the period's interest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_core.accrual import AccrualState, accrue, accrue_day, accrue_range, penal_interest
from lms_core.daycount import DayCount

JAN1, FEB1 = date(2024, 1, 1), date(2024, 2, 1)
BALANCE, RATE = Decimal(100000), Decimal(12)


def test_accrue_over_a_range():
    """100000 × 12 % × 31/365 = 1019.178…"""
    assert accrue(BALANCE, RATE, JAN1, FEB1, DayCount.ACT_365F) == (
        BALANCE * Decimal("0.12") * 31 / 365
    )


@pytest.mark.parametrize(
    ("day_count", "period_interest"),
    [
        (DayCount.ACT_365F, "1019.18"),  # 31/365
        (DayCount.ACT_360, "1033.33"),  # 31/360
        (DayCount.ACT_ACT, "1016.39"),  # 31/366
        (DayCount.THIRTY_360, "1000.00"),  # 30/360, though January has 31 days
        (DayCount.ACT_364, "1021.98"),  # 31/364
    ],
)
def test_daily_postings_sum_to_the_period_interest(day_count, period_interest):
    postings, state = accrue_range(AccrualState(JAN1), JAN1, FEB1, BALANCE, RATE, day_count)
    assert len(postings) == 31
    assert sum(p.amount for p in postings) == Decimal(period_interest) == state.posted
    assert all(p.amount.as_tuple().exponent >= -2 for p in postings)


def test_daily_residue_is_carried_not_lost():
    """32.876712… a day: postings alternate 32.88 / 32.87 / 32.88 … not 31 × 32.88."""
    postings, _ = accrue_range(AccrualState(JAN1), JAN1, FEB1, BALANCE, RATE, DayCount.ACT_365F)
    assert [str(p.amount) for p in postings[:4]] == ["32.88", "32.87", "32.88", "32.88"]
    assert sum(p.amount for p in postings) != Decimal("32.88") * 31


def test_balance_change_mid_period():
    """10 days on 100000, then 21 days on 50000: 328.767… + 345.205… = 673.97."""
    state = AccrualState(JAN1)
    total = Decimal(0)
    for offset in range(31):
        day = date(2024, 1, 1 + offset)
        balance = BALANCE if offset < 10 else BALANCE / 2
        posting, state = accrue_day(state, day, balance, RATE, DayCount.ACT_365F)
        total += posting.amount
    assert total == Decimal("673.97")


def test_penal_interest():
    """5000 overdue at 24 % a year for 10 days: 5000 × 0.24 × 10/365 = 32.88."""
    overdue = Decimal(5000)
    assert penal_interest(overdue, Decimal(24), JAN1, date(2024, 1, 11), DayCount.ACT_365F) == (
        Decimal("32.88")
    )
    assert penal_interest(Decimal(0), Decimal(24), JAN1, FEB1, DayCount.ACT_365F) == 0
