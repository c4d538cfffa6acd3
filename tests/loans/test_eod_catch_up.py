"""A loan behind by several days catches up exactly as if each day had closed on time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from hub.loans.day_close import run_partition
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans.models import Loan, LoanEvent
from lms_core.persistence.platform import eod_repository
from tests.loans.test_eod_runs import FLOATING
from tests.support.factories import make_tenant
from tests.support.loans import close_days_through, make_loan, make_product


def _accruals(db, tenant, loan_id: int) -> dict[date, Decimal]:
    """The loan's INTEREST_RECEIVABLE debits by day (the day-end accruals)."""
    return {
        d: v
        for _, kind, d, account, v in ledger_repository.loan_postings(db, tenant.id, loan_id)
        if kind == "eod" and account == "INTEREST_RECEIVABLE" and v > 0
    }


def test_a_reset_on_a_caught_up_day_applies_on_that_day(db):
    """100000 at EBLR 6.5 + 2.5 = 9 %, 12 monthly installments from 1 Jan 2024, reset
    every 3 months: the reset date is 1 Apr (installment 3 due). EBLR 7.5 is in force
    from 15 Mar. The loan's day-ends run through 28 Mar, then it misses 29 Mar .. 2 Apr
    and the day-end of 3 Apr catches it up.

    On the caught-up 1 Apr the loan resets to 7.5 + 2.5 = 10 % (schedule version 2):
    installment 4 (1 Apr .. 1 May, 30 days) is interest 75834.21 x 10/1200 = 631.95
    (at 9 % it would be 568.76). Its daily accrual is 631.95 / 30 = 21.065:
    2 Apr accrues 21.06 (half-even), 3 Apr 42.13 - 21.06 = 21.07. Without the reset on
    the caught-up day both would be 568.76 / 30 = 18.96."""
    tenant = make_tenant(db)
    make_product(db, tenant, "FL", FLOATING)
    loan_id = make_loan(db, tenant, rate="9", product="FL").id
    eod_repository.publish_rate(db, tenant.id, "EBLR", date(2024, 3, 15), Decimal("7.5"))
    close_days_through(db, tenant, date(2024, 3, 28))

    outcome = run_partition(db, tenant.id, [loan_id], date(2024, 4, 3))

    assert (outcome.closed, outcome.failed) == (1, [])
    db.expire_all()
    loan = db.get(Loan, loan_id)
    assert (loan.eod_through, loan.annual_rate, loan.schedule_version) == (
        date(2024, 4, 3),
        Decimal("10"),
        2,
    )
    reset = db.scalar(
        select(LoanEvent).where(LoanEvent.loan_id == loan_id, LoanEvent.kind == "rate_reset")
    )
    assert (reset.business_date, reset.detail["from"], reset.detail["to"]) == (
        date(2024, 4, 1),
        "9.000000",
        "10.000000",
    )
    accruals = _accruals(db, tenant, loan_id)
    assert accruals[date(2024, 4, 2)] == Decimal("21.06")
    assert accruals[date(2024, 4, 3)] == Decimal("21.07")
    # Every missed day closed once: 29 Mar .. 3 Apr, one accrual each.
    assert sorted(d for d in accruals if d > date(2024, 3, 28)) == [
        date(2024, 3, d) for d in (29, 30, 31)
    ] + [date(2024, 4, d) for d in (1, 2, 3)]
