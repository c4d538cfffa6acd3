"""A loan walked through its first months: figures worked out by hand in each docstring."""

from datetime import date
from decimal import Decimal

from hub.loans.repayments import RepaymentIn, post_repayment
from lms_core.persistence.loans import loan_repository
from tests.support.loans import balance, close_days_through, make_loan, make_product


def test_on_time_emi(db, tenant):
    """100000 at 12% over 12 months: EMI = 100000 x 0.01 x 1.01^12 / (1.01^12 - 1) = 8884.88.

    Installment 1: interest 1000.00 (1% of 100000), principal 7884.88. Paid on its due
    date before the day-end: nothing overdue, no penal.
    """
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("967.74")  # 1000 x 30/31
    post_repayment(db, tenant.id, loan.id, RepaymentIn(Decimal("8884.88")), "test")
    close_days_through(db, tenant, date(2024, 2, 1))
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("92115.12")
    assert balance(db, tenant, "INTEREST_DUE", loan.id) == Decimal("0")
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("0")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("-1000.00")
    assert (loan.dpd, loan.asset_class) == (0, "standard")


def test_paid_a_day_late_pays_penal_first(db, tenant):
    """Unpaid at the day-end of its due date, the EMI is 1 DPD (RBI) and draws penal:
    8884.88 x 24% / 365 = 5.8421 -> 5.84. The next day's payment of 8884.88 settles the
    penal first (penalties-fees-interest-principal), so 5.84 of principal stays overdue.
    """
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 1))
    assert (loan.dpd, loan.asset_class) == (1, "sma0")
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("5.84")
    post_repayment(db, tenant.id, loan.id, RepaymentIn(Decimal("8884.88")), "test")
    close_days_through(db, tenant, date(2024, 2, 2))
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("0.00")
    dues = loan_repository.due_rows(db, [loan.id])[loan.id]
    principal_1 = next(d for d in dues if d.component == "principal" and d.installment == 1)
    assert principal_1.amount - principal_1.paid == Decimal("5.84")
    assert loan.dpd == 2
