"""Loans walked through months of business dates; each figure is derived in the docstring.

Common loan: 100000 at 12% over 12 months from 1 Jan 2024, first due 1 Feb.
EMI 8884.88; installment 1 = interest 1000.00 + principal 7884.88.
Penal 24% a year on overdue principal + interest: 8884.88 x 0.24 / 365 = 5.84 a day.
"""

from datetime import date
from decimal import Decimal

import pytest

from hub.loans.repayments import RepaymentIn, post_repayment, reverse_repayment
from hub.platform.errors import Conflict, Unprocessable
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from tests.support.loans import (
    PERSONAL_LOAN,
    balance,
    close_days_through,
    make_loan,
    make_product,
)

EMI = Decimal("8884.88")


def _dues(db, loan):
    return {
        (d.kind, d.installment, d.component): (d.amount, d.paid)
        for d in loan_repository.due_rows(db, [loan.id])[loan.id]
    }


def test_back_dated_payment_recomputes_penal_and_dpd(db, tenant):
    """Unpaid through 5 Feb: DPD 5 and 5 x 5.84 = 29.20 of penal. On 6 Feb a payment
    value-dated 1 Feb arrives: as if paid on the due date, before its day-end, so no
    penal was ever due; the 29.20 is reversed and DPD is 0 at the next day-end."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 5))
    assert loan.dpd == 5
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("29.20")
    post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI, value_date=date(2024, 2, 1)), "test")
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "PENAL_INCOME", loan.id) == Decimal("0.00")
    close_days_through(db, tenant, date(2024, 2, 6))
    assert (loan.dpd, loan.asset_class) == (0, "standard")
    assert _dues(db, loan)[("installment", 1, "interest")] == (
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    assert ("penal", 1, "penalty") not in _dues(db, loan)


def test_bounce_reverses_payment_charges_fee_and_restores_penal(db, tenant):
    """Paid by NACH on 1 Feb, day-ends run to 3 Feb, then the bank returns it (code 04)
    on 4 Feb: the payment is undone from its value date, so 1-3 Feb each draw 5.84 of
    penal (17.52), the bounce fee of 500 is due, and the 4 Feb day-end shows DPD 4."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    rep = post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI, channel="nach"), "test")
    close_days_through(db, tenant, date(2024, 2, 3))
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("0")
    reverse_repayment(
        db, tenant.id, rep.id, "NACH return 04 insufficient funds", "test", bounce=True
    )
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("17.52")
    assert balance(db, tenant, "FEES_RECEIVABLE", loan.id) == Decimal("500.00")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("100000.00")
    assert balance(db, tenant, "ESCROW_BANK", loan.id) == Decimal("0.00")
    close_days_through(db, tenant, date(2024, 2, 4))
    assert loan.dpd == 4
    with pytest.raises(Conflict, match="reversed"):
        reverse_repayment(db, tenant.id, rep.id, "again", "test")


def test_partial_and_excess_payments(db, tenant):
    """5000 on 1 Feb pays interest 1000 then principal 4000 (penalties-fees-interest-
    principal); 3884.87 of principal stays due. 20000 on 2 Feb: penal of the 1 Feb
    day-end on 3884.88 overdue: 3884.88 x 0.24 / 365 = 2.55, then 3884.88, and the rest
    16112.57 is held as an advance."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    post_repayment(db, tenant.id, loan.id, RepaymentIn(Decimal("5000")), "test")
    close_days_through(db, tenant, date(2024, 2, 1))
    assert _dues(db, loan)[("installment", 1, "principal")] == (
        Decimal("7884.88"),
        Decimal("4000.00"),
    )
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("2.55")
    rep = post_repayment(db, tenant.id, loan.id, RepaymentIn(Decimal("20000")), "test")
    assert rep.excess == Decimal("16112.57")
    assert balance(db, tenant, "BORROWER_ADVANCE", loan.id) == Decimal("-16112.57")
    assert loan.advance == Decimal("16112.57")


def test_npa_moves_interest_to_suspense_and_upgrades_only_when_arrears_clear(db, tenant):
    """No penal here (penal_rate 0). Installment 1 is due 1 Feb 2024 and never paid;
    1 Feb is DPD 1, so DPD 91 (NPA) falls on 1 May (29 + 31 + 30 days later).
    At that day-end the interest billed but uncollected leaves income for suspense; each
    installment's interest is 1% of the scheduled balance before it:
    100000.00 -> 1000.00; 92115.12 -> 921.15; 84151.39 -> 841.51; 76108.02 -> 761.08
    (the May installment, billed that day); total 3523.74. May's own accrual starts after
    1 May, so nothing more is receivable yet."""
    make_product(db, tenant, rules={**PERSONAL_LOAN, "penal_rate": "0"})
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 4, 30))
    assert (loan.dpd, loan.asset_class) == (90, "sma2")
    close_days_through(db, tenant, date(2024, 5, 1))
    assert (loan.dpd, loan.asset_class) == (91, "npa")
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) == Decimal("-3523.74")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("0.00")
    # An NPA's payments go to principal first (the product's npa strategy): three EMIs
    # (26654.64) clear principal of installments 1-3 (23891.98) and 2762.66 of the 4th,
    # so February's interest is still unpaid and DPD keeps counting.
    post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI * 3), "test")
    close_days_through(db, tenant, date(2024, 5, 2))
    assert (loan.dpd, loan.asset_class) == (92, "npa")
    dues = _dues(db, loan)
    assert dues[("installment", 4, "principal")] == (Decimal("8123.80"), Decimal("2762.66"))
    owed = sum((amount - paid for amount, paid in dues.values()), Decimal(0))
    post_repayment(db, tenant.id, loan.id, RepaymentIn(owed), "test")
    close_days_through(db, tenant, date(2024, 5, 3))
    assert (loan.dpd, loan.asset_class) == (0, "standard")
    # Upgraded: all the interest collected is income again, only May's accrual is not yet due.
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == -(
        Decimal("3523.74") + balance(db, tenant, "INTEREST_RECEIVABLE", loan.id)
    )


def test_bad_payments_are_refused_with_the_field(db, tenant):
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    with pytest.raises(Unprocessable) as err:
        post_repayment(
            db,
            tenant.id,
            loan.id,
            RepaymentIn(Decimal("-5"), currency="USD", value_date=date(2023, 12, 1)),
            "test",
        )
    assert sorted(p.field for p in err.value.problems) == ["amount", "currency", "value_date"]
    with pytest.raises(Unprocessable, match="refused") as err:
        post_repayment(
            db, tenant.id, loan.id, RepaymentIn(EMI, value_date=date(2024, 6, 1)), "test"
        )
    assert "after the business date" in err.value.problems[0].message


def test_full_repayment_closes_the_loan_and_later_payments_are_refused(db, tenant):
    """A 3-month loan of 3000 at 12%: EMI = 3000 x 0.01 x 1.01^3/(1.01^3 - 1) = 1020.07;
    the last installment absorbs the rounding."""
    make_product(db, tenant)
    loan = make_loan(db, tenant, principal="3000", tenure=3)
    total = sum((line.total for line in loan_repository.schedule_rows(db, loan.id, 1)), Decimal(0))
    close_days_through(db, tenant, date(2024, 4, 1))
    post_repayment(
        db,
        tenant.id,
        loan.id,
        RepaymentIn(total + loan_repository.due_rows(db, [loan.id])[loan.id][0].amount * 0),
        "test",
    )
    assert loan.status == "active"  # penal for the late installments is still owed
    owed = sum(
        (d.amount - d.paid for d in loan_repository.due_rows(db, [loan.id])[loan.id]), Decimal(0)
    )
    post_repayment(db, tenant.id, loan.id, RepaymentIn(owed), "test")
    assert loan.status == "closed"
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("0.00")
    with pytest.raises(Conflict, match="closed"):
        post_repayment(db, tenant.id, loan.id, RepaymentIn(Decimal("1")), "test")
    assert ledger_repository.verify(db) == []
