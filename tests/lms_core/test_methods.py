"""Interest methods, bases, broken periods, tranches, fees, rounding and frequencies.

Base loan: 12,000 at 12 % a year over 6 months from 1 Jan 2024 (see helpers.terms).
Expected figures are worked by hand from the formula in each docstring.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_core.calendar import BusinessDayConvention, HolidayCalendar
from lms_core.daycount import DayCount
from lms_core.money import RoundingMode
from lms_core.schedule.build import build_schedule
from lms_core.schedule.terms import (
    AccrualEnd,
    Amortization,
    BrokenPeriod,
    CustomInstallment,
    Fee,
    FeeKind,
    Frequency,
    InstallmentRounding,
    InterestBasis,
    InterestMethod,
    Tranche,
)
from tests.lms_core.helpers import emi, rows, table, terms

CENT = Decimal("0.01")


def test_flat_rate():
    """I = 12000 × 12 % × 6/12 = 720; installment (12000 + 720) / 6 = 2120; 120 interest each."""
    schedule = build_schedule(terms(interest_method=InterestMethod.FLAT))
    assert {row[3] for row in rows(schedule)} == {"120.00"}
    assert {row[4] for row in rows(schedule)} == {"2120.00"}
    assert schedule.totals().interest == Decimal("720.00")


def test_rule_of_78():
    """Interest k = 720 × (7 − k) / 21: 205.71, 171.43, 137.14, 102.86, 68.57, rest 34.29."""
    schedule = build_schedule(terms(interest_method=InterestMethod.RULE_OF_78))
    assert rows(schedule) == table(
        """
        no  due         principal  interest  total    balance
        1   2024-02-01  1914.29    205.71    2120.00  10085.71
        2   2024-03-01  1948.57    171.43    2120.00  8137.14
        3   2024-04-01  1982.86    137.14    2120.00  6154.28
        4   2024-05-01  2017.14    102.86    2120.00  4137.14
        5   2024-06-01  2051.43    68.57     2120.00  2085.71
        6   2024-07-01  2085.71    34.29     2120.00  0.00
        """
    )


@pytest.mark.parametrize(
    ("day_count", "first_interest", "second_interest"),
    [
        # Jan has 31 days, Feb 2024 29: 12000 × 0.12 × 31/365 = 122.30;
        # then 10051.72 × 0.12 × 29/365 = 95.84
        (DayCount.ACT_365F, "122.30", "95.84"),
        # 12000 × 0.12 × 31/360 = 124.00; 10053.42 × 0.12 × 29/360 = 97.18
        (DayCount.ACT_360, "124.00", "97.18"),
        # 12000 × 0.12 × 31/366 = 121.97 (2024 is a leap year)
        (DayCount.ACT_ACT, "121.97", None),
        # 12000 × 0.12 × 30/360 = 120.00 every month
        (DayCount.THIRTY_360, "120.00", "100.49"),
        # 12000 × 0.12 × 31/364 = 122.64
        (DayCount.ACT_364, "122.64", None),
    ],
)
def test_daily_basis_per_day_count(day_count, first_interest, second_interest):
    schedule = build_schedule(terms(interest_basis=InterestBasis.DAILY, day_count=day_count))
    assert str(schedule.lines[0].interest) == first_interest
    assert schedule.lines[0].total == Decimal("2070.58")
    if second_interest:
        assert str(schedule.lines[1].interest) == second_interest
    assert sum(line.principal for line in schedule.lines) == Decimal(12000)


def test_broken_period_added_to_first_installment():
    """First due 15 Feb: regular period starts 15 Jan; BPI = 12000 × 0.12 × 14/365 = 55.23."""
    schedule = build_schedule(terms(first_due_date=date(2024, 2, 15)))
    assert rows(schedule)[0] == ("1", "2024-02-15", "1950.58", "175.23", "2125.81", "10049.42")
    assert rows(schedule)[1][4] == "2070.58"


def test_broken_period_charged_separately():
    schedule = build_schedule(
        terms(first_due_date=date(2024, 2, 15), broken_period=BrokenPeriod.SEPARATE)
    )
    assert schedule.bpi_separate == Decimal("55.23")
    assert rows(schedule)[0] == ("1", "2024-02-15", "1950.58", "120.00", "2070.58", "10049.42")
    assert schedule.net_disbursed() == Decimal("11944.77")


def test_short_first_period_lowers_first_interest():
    """First due 20 Jan: 12 days fewer than a regular period (20 Dec → 20 Jan).

    120.00 − 12000 × 0.12 × 12/365 (47.34) = 72.66.
    """
    schedule = build_schedule(terms(first_due_date=date(2024, 1, 20)))
    assert rows(schedule)[0] == ("1", "2024-01-20", "1950.58", "72.66", "2023.24", "10049.42")


def test_tranches_recompute_the_installment():
    """6000 on 1 Jan, 6000 on 16 Mar.

    EMI on 6000 over 6 = 1035.29. Period 3 (1 Mar → 1 Apr): 4039.67 × 1 % = 40.40 plus
    6000 × 0.12 × 16/365 = 31.56 → 71.96; new EMI on 10039.67 over 4 = 2572.98.
    """
    second = Tranche(date(2024, 3, 16), Decimal(6000))
    schedule = build_schedule(
        terms(disbursements=(Tranche(date(2024, 1, 1), Decimal(6000)), second))
    )
    assert rows(schedule) == table(
        """
        no  due         principal  interest  total    balance
        1   2024-02-01  975.29     60.00     1035.29  5024.71
        2   2024-03-01  985.04     50.25     1035.29  4039.67
        3   2024-04-01  2501.02    71.96     2572.98  7538.65
        4   2024-05-01  2497.59    75.39     2572.98  5041.06
        5   2024-06-01  2522.57    50.41     2572.98  2518.49
        6   2024-07-01  2518.49    25.18     2543.67  0.00
        """
    )


def test_down_payment_and_fees():
    """25 % down: 9000 financed; EMI 9000 × 0.17254837 = 1552.94; 50 a month insurance."""
    fees = (
        Fee("insurance", Decimal(50), kind=FeeKind.PER_INSTALLMENT),
        Fee("processing", percent=Decimal(1)),
        Fee("stamp duty", Decimal(100), kind=FeeKind.UPFRONT_COLLECTED),
    )
    schedule = build_schedule(terms(down_payment_percent=Decimal(25), fees=fees))
    assert schedule.financed == Decimal("9000.00")
    assert schedule.down_payment == Decimal("3000.00")
    assert schedule.installment == Decimal("1552.94")
    assert schedule.upfront_fees == Decimal("190.00")  # 1 % of 9000 + 100
    assert rows(schedule)[0] == ("1", "2024-02-01", "1462.94", "90.00", "1602.94", "7537.06")
    assert schedule.totals().fees == Decimal(300)


@pytest.mark.parametrize(
    ("multiple", "mode", "installment"),
    [
        (Decimal("0.01"), RoundingMode.HALF_UP, "2070.58"),  # 2070.5802...
        (Decimal("0.01"), RoundingMode.UP, "2070.59"),
        (Decimal("1"), RoundingMode.HALF_EVEN, "2071.00"),
        (Decimal("1"), RoundingMode.DOWN, "2070.00"),
        (Decimal("10"), RoundingMode.UP, "2080.00"),
        (Decimal("10"), RoundingMode.HALF_UP, "2070.00"),
    ],
)
def test_installment_rounding(multiple, mode, installment):
    schedule = build_schedule(terms(installment_rounding=InstallmentRounding(multiple, mode)))
    assert str(schedule.installment) == installment
    assert {line.total for line in schedule.lines[:-1]} == {Decimal(installment)}
    assert sum(line.principal for line in schedule.lines) == Decimal(12000)
    assert schedule.lines[-1].balance == 0


@pytest.mark.parametrize(
    ("frequency", "periods_per_year", "tenure"),
    [
        (Frequency.WEEKLY, 52, 26),
        (Frequency.BIWEEKLY, 26, 13),
        (Frequency.QUARTERLY, 4, 8),
        (Frequency.HALF_YEARLY, 2, 4),
        (Frequency.YEARLY, 1, 3),
    ],
)
def test_frequencies_use_the_period_rate(frequency, periods_per_year, tenure):
    """EMI = P·r·(1+r)^n/((1+r)^n − 1) with r = 12 % / periods per year."""
    schedule = build_schedule(terms(frequency=frequency, tenure=tenure))
    rate = Decimal("0.12") / periods_per_year
    assert schedule.installment == emi(Decimal(12000), rate, tenure).quantize(CENT)
    first_interest = (Decimal(12000) * rate).quantize(CENT)
    assert schedule.lines[0].interest == first_interest
    assert len(schedule.lines) == tenure


def test_custom_seasonal_amounts():
    """Harvest-time repayments; daily ACT/365F interest on the balance between dates.

    3000 on 1 Apr: interest 12000 × 0.12 × 91/365 = 359.01, principal 2640.99.
    """
    custom = (
        CustomInstallment(date(2024, 4, 1), Decimal(3000)),
        CustomInstallment(date(2024, 10, 1), Decimal(5000)),
        CustomInstallment(date(2025, 1, 1), Decimal(5000)),
    )
    schedule = build_schedule(
        terms(
            frequency=Frequency.CUSTOM,
            amortization=Amortization.CUSTOM,
            interest_basis=InterestBasis.DAILY,
            custom=custom,
        )
    )
    assert rows(schedule)[0] == ("1", "2024-04-01", "2640.99", "359.01", "3000.00", "9359.01")
    assert schedule.lines[-1].balance == 0
    assert sum(line.principal for line in schedule.lines) == Decimal(12000)


def test_custom_principal_percentages():
    custom = (
        CustomInstallment(date(2024, 7, 1), principal_percent=Decimal(30)),
        CustomInstallment(date(2025, 1, 1), principal_percent=Decimal(70)),
    )
    schedule = build_schedule(
        terms(
            frequency=Frequency.CUSTOM,
            amortization=Amortization.CUSTOM,
            interest_basis=InterestBasis.DAILY,
            custom=custom,
        )
    )
    # 12000 × 0.12 × 182/365 = 718.03; then 8400 × 0.12 × 184/365 = 508.14
    assert rows(schedule) == [
        ("1", "2024-07-01", "3600.00", "718.03", "4318.03", "8400.00"),
        ("2", "2025-01-01", "8400.00", "508.14", "8908.14", "0.00"),
    ]


def test_holiday_adjusted_interest_to_adjusted_date():
    """Due 1 Sep 2024 is a Sunday: paid 2 Sep. Daily interest runs to 2 Sep if adjusted.

    Aug 1 → Sep 2 is 32 days (not 31) on 10051.72... under ACT/365F.
    """
    base = dict(
        disbursement_date=date(2024, 7, 1),
        interest_basis=InterestBasis.DAILY,
        calendar=HolidayCalendar(),
        convention=BusinessDayConvention.FOLLOWING,
    )
    plain = build_schedule(terms(**base))
    adjusted = build_schedule(terms(**base, accrual_end=AccrualEnd.ADJUSTED))
    assert plain.lines[1].due_date == adjusted.lines[1].due_date == date(2024, 9, 2)
    balance = plain.lines[0].balance
    assert plain.lines[1].interest == (balance * Decimal("0.12") * 31 / 365).quantize(CENT)
    assert adjusted.lines[1].interest == (balance * Decimal("0.12") * 32 / 365).quantize(CENT)
    # the next period starts at 2 Sep under the adjusted rule: one day less (29 days)
    assert adjusted.lines[2].interest == (
        adjusted.lines[1].balance * Decimal("0.12") * 29 / 365
    ).quantize(CENT)


def test_flat_with_broken_period_adds_bpi_to_first_installment():
    """First due 15 Feb: 55.23 of BPI (12000 × 0.12 × 14/365) on top of 2120.00."""
    schedule = build_schedule(
        terms(interest_method=InterestMethod.FLAT, first_due_date=date(2024, 2, 15))
    )
    assert schedule.lines[0].interest == Decimal("175.23")
    assert schedule.lines[0].total == Decimal("2175.23")
    assert schedule.lines[1].total == Decimal("2120.00")
