"""Part prepayment (both policies) and foreclosure, walked on business dates.

Common loan (tests/support/loans.py): 100000 at 12% a year, 12 monthly installments
from 1 Jan 2024, first due 1 Feb, ACT/365F, interest per period = 1% of the balance.
EMI 8884.88; installment 1 = interest 1000.00 + principal 7884.88, balance 92115.12;
installment 2's interest is 921.15 (period 1 Feb - 1 Mar, 29 days).
The product here charges 2% on a prepayment, 4% on a foreclosure, GST 18% on charges.
"""

from datetime import date
from decimal import Decimal

import pytest

from hub.loans import prepayments
from hub.loans.repayments import RepaymentIn, post_repayment
from hub.platform.errors import Unprocessable
from lms_core.loans.product import PrepaymentPolicy
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import lifecycle_repository, loan_repository
from tests.support.loans import (
    PERSONAL_LOAN,
    balance,
    close_days_through,
    make_loan,
    make_product,
)

EMI = Decimal("8884.88")
RULES = {
    **PERSONAL_LOAN,
    "prepayment_charge_percent": "2",
    "foreclosure_charge_percent": "4",
    "charges_gst_percent": "18",
}


def _paid_first_installment(db, tenant):
    make_product(db, tenant, rules=RULES)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI), "test")  # 1 Feb, on time
    close_days_through(db, tenant, date(2024, 2, 14))  # business date 15 Feb
    return loan


def test_prepayment_reducing_the_emi(db, tenant):
    """On 15 Feb, 20000 prepaid, reduce-EMI policy.
    Interest on the 20000 from 1 Feb to 15 Feb: 20000 x 0.12 x 14/365 = 92.05;
    charge 2% = 400.00, GST 18% of it = 72.00; total 20000 + 92.05 + 400 + 72 = 20564.05.
    New balance 92115.12 - 20000 = 72115.12 over the 11 installments left at 1%:
    EMI = 72115.12 x 0.01 x 1.01^11 / (1.01^11 - 1) = 6955.797... -> 6955.80."""
    loan = _paid_first_installment(db, tenant)
    quote = prepayments.quote_prepayment(
        db, tenant.id, loan.id, Decimal("20000"), PrepaymentPolicy.REDUCE_EMI
    )
    assert quote.as_dict()["total"] == "20564.05"
    change = prepayments.execute_prepayment(
        db, tenant.id, loan.id, Decimal("20000"), "test", PrepaymentPolicy.REDUCE_EMI
    )
    assert change.amount == Decimal("20564.05")
    assert change.detail["installment_after"] == "6955.80"
    assert change.detail["installments_left"] == 11
    assert (loan.schedule_version, change.from_version, change.to_version) == (2, 1, 2)
    old = loan_repository.schedule_rows(db, loan.id, 1)
    new = loan_repository.schedule_rows(db, loan.id, 2)
    assert len(old) == len(new) == 12 and old[1].total == EMI  # the old version is kept
    assert new[0].total == EMI and new[1].total == Decimal("6955.80")
    assert sum((r.principal for r in new), Decimal(0)) == Decimal("80000.00")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("72115.12")
    assert balance(db, tenant, "FEE_INCOME", loan.id) == Decimal("-400.00")
    assert balance(db, tenant, "TAX_PAYABLE", loan.id) == Decimal("-72.00")
    # The running period now accrues on 72115.12: installment 2's interest 721.15, of
    # which 14/29 by the 15 Feb day-end = 348.14 (it was 921.15 x 14/29 = 444.69).
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("348.14")
    # Income for January 1000.00, February so far 348.14 + the 92.05 collected, less
    # the 96.55 of the old accrual (444.69 - 348.14) it replaces: 1000 + 444.69 + 92.05 - 96.55.
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("-1440.19")
    assert ledger_repository.verify(db) == []
    close_days_through(db, tenant, date(2024, 3, 1))
    due = {
        (d.installment, d.component): d.amount
        for d in loan_repository.due_rows(db, [loan.id])[loan.id]
    }
    assert due[(2, "interest")] == Decimal("721.15")  # billed on the reduced balance


def test_prepayment_reducing_the_tenor_leaves_overdue_and_dpd_alone(db, tenant):
    """Installment 1 (due 1 Feb) is left unpaid; on 15 Feb DPD is 15 and penal runs
    (24% on 8884.88 = 5.84 a day, 14 day-ends 1-14 Feb = 81.76). 20000 is prepaid,
    reduce-tenor policy: the EMI stays 8884.88 and 72115.12 at 1% now needs 9
    installments (2 .. 10, the last 4517.88 on 1 Nov 2024) instead of 11. The unpaid
    installment 1 is still due: DPD 15 at the 15 Feb day-end, and it keeps counting."""
    make_product(db, tenant, rules=RULES)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 14))
    assert loan.dpd == 14
    change = prepayments.execute_prepayment(db, tenant.id, loan.id, Decimal("20000"), "test")
    assert change.detail["policy"] == "reduce_tenor"
    assert change.detail["installments_left"] == 9
    assert change.detail["installment_after"] == "8884.88"
    new = loan_repository.schedule_rows(db, loan.id, 2)
    assert [len(new), new[-1].due_date, new[-1].total] == [
        10,
        date(2024, 11, 1),
        Decimal("4517.88"),
    ]
    assert loan.dpd == 15  # the 15 Feb day-end ran with the prepayment
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("80000.00")
    dues = loan_repository.due_rows(db, [loan.id])[loan.id]
    assert sum((d.amount - d.paid for d in dues if d.kind == "installment"), Decimal(0)) == EMI
    close_days_through(db, tenant, date(2024, 2, 20))
    assert loan.dpd == 20
    assert ledger_repository.verify(db) == []


def test_prepayment_of_the_whole_balance_is_refused(db, tenant):
    loan = _paid_first_installment(db, tenant)
    with pytest.raises(Unprocessable) as err:
        prepayments.execute_prepayment(db, tenant.id, loan.id, Decimal("92115.12"), "test")
    assert err.value.problems[0].field == "amount"


def test_foreclosure_mid_month_closes_with_noc_and_events(db, tenant):
    """15 Feb, installment 1 paid: principal not yet due 92115.12; interest since 1 Feb
    92115.12 x 0.12 x 14/365 = 423.98; charge 4% = 3684.60; GST 18% = 663.23.
    Quote 92115.12 + 423.98 + 3684.60 + 663.23 = 96886.93. 96800 is short by 86.93;
    96900 closes the loan and leaves 13.07 refundable in BORROWER_ADVANCE."""
    loan = _paid_first_installment(db, tenant)
    quote = prepayments.foreclosure_quote(db, tenant.id, loan.id)
    assert quote.as_dict() | {"as_of": None} == {
        "as_of": None,
        "principal_outstanding": "92115.12",
        "accrued_interest": "423.98",
        "overdue": {"principal": "0.00", "interest": "0.00", "fees": "0.00", "penal": "0.00"},
        "foreclosure_charge": "3684.60",
        "tax": "663.23",
        "total": "96886.93",
        "advance_held": "0.00",
    }
    with pytest.raises(Unprocessable) as err:
        prepayments.execute_foreclosure(db, tenant.id, loan.id, Decimal("96800"), "test")
    assert err.value.extra["shortfall"] == "86.93"
    change = prepayments.execute_foreclosure(db, tenant.id, loan.id, Decimal("96900"), "test")
    assert (loan.status, loan.closed_on) == ("closed", date(2024, 2, 15))
    assert change.detail["excess"] == "13.07" and loan.advance == Decimal("13.07")
    for account in ("LOAN_PRINCIPAL", "INTEREST_DUE", "INTEREST_RECEIVABLE", "FEES_RECEIVABLE"):
        assert balance(db, tenant, account, loan.id) == Decimal("0.00"), account
    assert balance(db, tenant, "BORROWER_ADVANCE", loan.id) == Decimal("-13.07")
    # Interest income: January 1000.00 + the 423.98 to the foreclosure date.
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("-1423.98")
    assert balance(db, tenant, "FEE_INCOME", loan.id) == Decimal("-3684.60")
    assert balance(db, tenant, "TAX_PAYABLE", loan.id) == Decimal("-663.23")
    assert balance(db, tenant, "ESCROW_BANK", loan.id) == EMI + Decimal("96900")
    assert len(loan_repository.schedule_rows(db, loan.id, 2)) == 2  # closing version
    noc = lifecycle_repository.latest_document(db, tenant.id, loan.id, "noc")
    assert noc.data.startswith(b"%PDF-1.4") and b"foreclosed" in noc.data
    from tests.loans.lifecycle_helpers import outbox_events

    events = outbox_events(db, tenant, loan)
    assert [e["type"] for e in events] == ["loan.closed"]
    assert events[0]["closure"] == "foreclosed" and events[0]["refundable_advance"] == "13.07"
    assert ledger_repository.verify(db) == []


def test_foreclosure_with_arrears_includes_overdue_and_penal(db, tenant):
    """Nothing paid; 10 Feb. Overdue: installment 1 (1000.00 interest + 7884.88
    principal) and penal for the day-ends 1-9 Feb: 9 x 5.84 = 52.56 (today's is not
    charged when paid today). Principal not yet due 92115.12, interest 1-10 Feb
    92115.12 x 0.12 x 9/365 = 272.56; charge 4% 3684.60 + GST 663.23.
    Total 92115.12 + 272.56 + 8884.88 + 52.56 + 3684.60 + 663.23 = 105672.95."""
    make_product(db, tenant, rules=RULES)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 9))
    quote = prepayments.foreclosure_quote(db, tenant.id, loan.id).as_dict()
    assert quote["overdue"] == {
        "principal": "7884.88",
        "interest": "1000.00",
        "fees": "0.00",
        "penal": "52.56",
    }
    assert quote["total"] == "105672.95"
    prepayments.execute_foreclosure(db, tenant.id, loan.id, Decimal("105672.95"), "test")
    assert loan.status == "closed" and loan.advance == Decimal("0.00")
    assert balance(db, tenant, "PENAL_RECEIVABLE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "PENAL_INCOME", loan.id) == Decimal("-52.56")
    assert ledger_repository.verify(db) == []
