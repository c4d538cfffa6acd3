"""One pass per change: a back-dated payment replays the loan's days once.

A payment valued before the business date changes the loan's history from its value
date: :func:`hub.loans.resync.resync` loads the loan's state once, replays it once
(:func:`lms_core.loans.loan_day.replay`) and writes the differences once. The counter
below wraps ``replay`` wherever a module imported it, so a second replay anywhere on
the payment's path shows.

Common loan: 100000 at 12% over 12 months from 1 Jan 2024, first due 1 Feb, EMI
8884.88 (see tests/loans/test_scenarios.py for the figures).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest

from hub.loans.repayments import RepaymentIn, post_repayment, reverse_repayment
from hub.loans.restructure import RestructureIn, restructure_loan
from lms_core.loans import loan_day
from tests.support.loans import PERSONAL_LOAN, balance, close_days_through, make_loan, make_product

EMI = Decimal("8884.88")


@pytest.fixture
def replays(monkeypatch) -> list[date]:
    """Count every call of ``replay`` (by the first day it replays) from here on."""
    original = loan_day.replay
    calls: list[date] = []

    def counted(*args, **kwargs):
        calls.append(args[4] if len(args) > 4 else kwargs["start"])
        return original(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith(("hub.", "lms_core.")) and getattr(module, "replay", None) is original:
            monkeypatch.setattr(module, "replay", counted)
    return calls


def test_a_back_dated_payment_replays_once(db, tenant, replays):
    """Unpaid through 5 Feb (DPD 5, penal 5 x 5.84 = 29.20); on 6 Feb the EMI arrives
    valued 1 Feb: one replay from 1 Feb settles installment 1 and reverses the penal."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 5))
    replays.clear()
    post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI, value_date=date(2024, 2, 1)), "t")
    assert replays == [date(2024, 2, 1)]
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("0.00")


def test_a_reversal_replays_once(db, tenant, replays):
    """The 1 Feb EMI, reversed on 4 Feb: one replay from 1 Feb un-settles it."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    rep = post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI), "t")
    close_days_through(db, tenant, date(2024, 2, 3))
    replays.clear()
    reverse_repayment(db, tenant.id, rep.id, "returned", "t")
    assert replays == [date(2024, 2, 1)]


def test_a_back_dated_payment_on_a_restructured_npa_after_its_period_replays_once(
    db, tenant, replays
):
    """Restructured on 2 May 2024 (an NPA, see tests/loans/test_restructure_npa.py);
    nothing paid after, day-ends run past the end of the specified period (1 Jun
    2025). A payment valued 1 Jun 2024 is replayed once, the slip it still shows
    included."""
    make_product(db, tenant, rules={**PERSONAL_LOAN, "penal_rate": "0"})
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 5, 1))
    restructure_loan(db, tenant.id, loan.id, RestructureIn(24, reason="illness"), "cm")
    close_days_through(db, tenant, date(2025, 6, 1) + timedelta(days=2))
    replays.clear()
    late = RepaymentIn(Decimal("4873.22"), value_date=date(2024, 6, 1))
    post_repayment(db, tenant.id, loan.id, late, "t")
    assert replays == [date(2024, 6, 1)]
    assert loan.asset_class == "npa"
