"""Revolving line maths: interest from daily balances, limits, allocation, billing dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms_core.daycount import DayCount
from lms_core.loans.revolving import (
    LineDueKind,
    LineProblem,
    LineTerms,
    OpenLineDue,
    allocate_repayment,
    available,
    billing_date,
    bills_after,
    drawdown_problems,
    period_interest,
    utilisation_percent,
)

TERMS = LineTerms(
    Decimal("100000"), Decimal("18"), DayCount.ACT_365F, 1, date(2024, 1, 1), date(2024, 12, 31)
)


def _days(start: date, n: int, balance: str) -> list[tuple[date, Decimal]]:
    return [(start + timedelta(days=i), Decimal(balance)) for i in range(n)]


def test_january_interest_from_daily_balances():
    """40,000 drawn 1 Jan, 10,000 repaid 11 Jan, 18 % a year ACT/365.

    Jan 1..10: 10 days at 40,000; Jan 11..31: 21 days at 30,000.
    (40,000 x 10 + 30,000 x 21) x 0.18 / 365 = 1,030,000 x 0.18 / 365
    = 185,400 / 365 = 507.9452... -> 507.95
    """
    balances = _days(date(2024, 1, 1), 10, "40000") + _days(date(2024, 1, 11), 21, "30000")
    assert period_interest(balances, Decimal("18"), DayCount.ACT_365F) == Decimal("507.95")


@pytest.mark.parametrize(
    ("limit", "drawn", "free", "percent"),
    [
        ("100000", "40000", "60000", "40.00"),
        ("100000", "29507.95", "70492.05", "29.51"),  # 29.50795 % rounds half-up
        ("100000", "100000", "0", "100.00"),
        ("50000", "0", "50000", "0.00"),
    ],
)
def test_available_and_utilisation(limit, drawn, free, percent):
    assert available(Decimal(limit), Decimal(drawn)) == Decimal(free)
    assert utilisation_percent(Decimal(limit), Decimal(drawn)) == Decimal(percent)


def test_drawdown_over_the_available_limit_names_what_is_available():
    problems = drawdown_problems(TERMS, Decimal("30000"), Decimal("70000.01"), date(2024, 1, 11))
    assert problems == [
        LineProblem(
            "amount",
            "70000.01 exceeds the available limit 70000.00 (limit 100000.00, drawn 30000.00)",
        )
    ]
    assert drawdown_problems(TERMS, Decimal("30000"), Decimal("70000"), date(2024, 1, 11)) == []


def test_drawdown_outside_validity_is_refused():
    (problem,) = drawdown_problems(TERMS, Decimal("0"), Decimal("10"), date(2025, 1, 1))
    assert problem.field == "value_date"


def test_repayment_settles_fees_then_interest_oldest_first_then_principal():
    dues = [
        OpenLineDue(2, LineDueKind.INTEREST, date(2024, 3, 1), Decimal("450.00")),
        OpenLineDue(1, LineDueKind.INTEREST, date(2024, 2, 1), Decimal("507.95")),
        OpenLineDue(3, LineDueKind.FEE, date(2024, 3, 5), Decimal("100.00")),
    ]
    split = allocate_repayment(Decimal("1200"), dues, Decimal("30000"))
    # 100 fee, then 507.95 (Feb) + 450 (Mar) interest = 1,057.95; principal 142.05
    assert split.dues == ((3, Decimal("100.00")), (1, Decimal("507.95")), (2, Decimal("450.00")))
    assert (split.fees, split.interest, split.principal) == (
        Decimal("100.00"),
        Decimal("957.95"),
        Decimal("142.05"),
    )


def test_repayment_beyond_what_is_owed_is_refused():
    result = allocate_repayment(Decimal("30000.01"), [], Decimal("30000"))
    assert result == LineProblem("amount", "30000.01 exceeds what the line owes, 30000.00")


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2024, 2, 31, date(2024, 2, 29)),
        (2023, 2, 30, date(2023, 2, 28)),
        (2024, 4, 1, date(2024, 4, 1)),
    ],
)
def test_billing_date_is_clamped_to_short_months(year, month, day, expected):
    assert billing_date(year, month, day) == expected


def test_the_day_before_the_billing_date_closes_the_period():
    assert bills_after(date(2024, 1, 31), 1)
    assert not bills_after(date(2024, 2, 1), 1)
    assert bills_after(date(2024, 2, 28), 31)  # 29 Feb 2024 is February's billing date
