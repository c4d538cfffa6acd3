"""Day counts: year fractions written out by hand for each convention."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_core.daycount import DayCount, day_count_days, year_fraction


@pytest.mark.parametrize(
    ("convention", "start", "end", "expected"),
    [
        # 2024 is a leap year: Jan 1 -> Jul 1 is 182 actual days.
        (DayCount.ACT_365F, date(2024, 1, 1), date(2024, 7, 1), Decimal(182) / 365),
        (DayCount.ACT_360, date(2024, 1, 1), date(2024, 7, 1), Decimal(182) / 360),
        (DayCount.ACT_364, date(2024, 1, 1), date(2024, 7, 1), Decimal(182) / 364),
        # 30/360: 6 months of 30 days.
        (DayCount.THIRTY_360, date(2024, 1, 1), date(2024, 7, 1), Decimal(180) / 360),
        # ACT/ACT ISDA: 182 days, all in a leap year.
        (DayCount.ACT_ACT, date(2024, 1, 1), date(2024, 7, 1), Decimal(182) / 366),
        # ACT/ACT across the year end: 31 days of 2023 /365 + 31 days of 2024 /366.
        (
            DayCount.ACT_ACT,
            date(2023, 12, 1),
            date(2024, 2, 1),
            Decimal(31) / 365 + Decimal(31) / 366,
        ),
        # A full non-leap year is exactly 1 under ACT/365F and ACT/ACT.
        (DayCount.ACT_365F, date(2023, 1, 1), date(2024, 1, 1), Decimal(1)),
        (DayCount.ACT_ACT, date(2024, 1, 1), date(2025, 1, 1), Decimal(1)),
    ],
)
def test_year_fraction(convention, start, end, expected):
    assert year_fraction(start, end, convention) == expected


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2024, 1, 31), date(2024, 2, 29), 29),  # D1 31 -> 30; Feb end stays 29
        (date(2024, 1, 30), date(2024, 3, 31), 60),  # D2 31 -> 30 because D1 is 30
        (date(2024, 1, 15), date(2024, 3, 31), 76),  # D2 stays 31 when D1 < 30
        (date(2024, 2, 29), date(2024, 3, 29), 30),
    ],
)
def test_thirty_360_bond_basis(start, end, days):
    assert day_count_days(start, end, DayCount.THIRTY_360) == days


def test_reversed_interval_is_negative():
    fraction = year_fraction(date(2024, 3, 1), date(2024, 1, 1), DayCount.ACT_ACT)
    assert fraction == -Decimal(60) / 366
