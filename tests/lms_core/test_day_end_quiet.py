"""A quiet day-end (standard, nothing unpaid, nothing due today) is its accrual alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.loans.resync import day_rules_of
from lms_core.loans.classification import AssetClass
from lms_core.loans.day_end import LoanDayStart, close_loan_day, day_accrual, is_quiet
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.loans.product import rules_from_dict
from lms_core.money import Currency
from tests.support.loans import PERSONAL_LOAN

# Installment 1 of 100000 at 12 %: interest 1000.00 over 1 Jan .. 1 Feb 2024 (31 days).
JAN = PlannedInstallment(
    1, date(2024, 1, 1), date(2024, 2, 1), Decimal("8884.88"), Decimal("1000.00"), Decimal("0")
)
# Interest 631.95 over 30 days: 21.065 a day, a half-paisa tie on the first day.
APR = PlannedInstallment(
    4, date(2024, 4, 1), date(2024, 5, 1), Decimal("8149.04"), Decimal("631.95"), Decimal("0")
)


@pytest.mark.parametrize(
    "line, day, accrual, why",
    [
        (JAN, date(2024, 1, 1), "0", "the period starts at the day-end of 1 Jan"),
        (JAN, date(2024, 1, 2), "32.26", "1000 x 1/31 = 32.258"),
        (JAN, date(2024, 1, 3), "32.26", "1000 x 2/31 = 64.516 -> 64.52, less 32.26"),
        (JAN, date(2024, 1, 4), "32.25", "1000 x 3/31 = 96.774 -> 96.77, less 64.52"),
        (JAN, date(2024, 2, 1), "32.26", "due date: 1000.00 less 1000 x 30/31 = 967.74"),
        (JAN, date(2024, 2, 2), "0", "after its due date the line accrues nothing"),
        (APR, date(2024, 4, 2), "21.06", "631.95 / 30 = 21.065, half-even"),
        (APR, date(2024, 4, 3), "21.07", "631.95 x 2/30 = 42.13, less 21.06"),
        (None, date(2024, 4, 3), "0", "no accruing line (schedule run out)"),
    ],
)
def test_day_accrual(line, day, accrual, why):
    assert day_accrual(line, day) == Decimal(accrual), why


@pytest.mark.parametrize(
    "cls, line, unpaid, quiet",
    [
        (AssetClass.STANDARD, JAN, False, True),
        (AssetClass.STANDARD, None, False, True),
        (AssetClass.STANDARD, JAN, True, False),  # something unpaid: DPD moves
        (AssetClass.SMA0, JAN, False, False),
        (AssetClass.NPA, JAN, False, False),
    ],
)
def test_is_quiet_on_15_jan(cls, line, unpaid, quiet):
    assert is_quiet(cls, line, unpaid, date(2024, 1, 15)) is quiet


def test_a_due_date_is_never_quiet():
    assert not is_quiet(AssetClass.STANDARD, JAN, False, date(2024, 2, 1))


def test_close_loan_day_of_a_quiet_loan_is_one_accrual_pair():
    """The replay path agrees with the quiet path: DPD 0, standard, Dr INTEREST_RECEIVABLE
    / Cr INTEREST_INCOME 32.26 on 2 Jan, nothing else."""
    start = LoanDayStart(9, Currency.INR, AssetClass.STANDARD)
    rules = day_rules_of(rules_from_dict(PERSONAL_LOAN))
    result = close_loan_day(start, JAN, [], rules, date(2024, 1, 2))
    assert (result.dpd, result.asset_class, result.new_dues, result.penal) == (
        0,
        AssetClass.STANDARD,
        (),
        (),
    )
    assert [(p.account, p.amount, p.loan_id) for p in result.postings] == [
        ("INTEREST_RECEIVABLE", Decimal("32.26"), 9),
        ("INTEREST_INCOME", Decimal("-32.26"), 9),
    ]
