"""Restructure, write-off and recovery, settlement: exact figures on the ledger.

Common loan: 100000 at 12% over 12 months from 1 Jan 2024, first due 1 Feb; no penal
here (penal_rate 0) so the figures stay short. Scheduled interest: 1000.00, 921.15,
841.51, 761.08 for installments 1-4 (1% of the balance before each).
"""

from datetime import date
from decimal import Decimal

import pytest

from hub.loans import settlement, writeoff
from hub.loans.restructure import RestructureIn, restructure_loan
from hub.platform.errors import Conflict, Unprocessable
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import lifecycle_repository, loan_repository
from tests.loans.lifecycle_helpers import outbox_events
from tests.support.loans import (
    PERSONAL_LOAN,
    balance,
    close_days_through,
    make_loan,
    make_product,
)

NO_PENAL = {**PERSONAL_LOAN, "penal_rate": "0"}
# A product whose restructures keep a standard account standard (as under a regulatory
# resolution framework); RBI's default downgrade is in test_restructure_npa.py.
KEEPS_STANDARD = {**NO_PENAL, "restructure_keeps_standard": True}


def test_restructure_capitalises_arrears_and_keeps_the_old_schedule(db, tenant):
    """Installment 1 unpaid; on 10 Feb (DPD 10, SMA-0) the loan is restructured over 12
    new installments at the same 12%. Arrears capitalised: principal 7884.88 and
    interest 1000.00 join the 92115.12 not yet due: 101000.00. New EMI =
    101000 x 0.01 x 1.01^12 / (1.01^12 - 1) = 8973.73 (= 8884.88 x 1.01).
    The running period's accrual moves to the new line (1010.00 for 1 Feb - 1 Mar):
    by the 10 Feb day-end 1010.00 x 9/29 = 313.45 instead of 921.15 x 9/29 = 285.87.
    The product keeps a restructured standard account standard."""
    make_product(db, tenant, rules=KEEPS_STANDARD)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 9))
    assert (loan.dpd, loan.asset_class) == (9, "sma0")
    change = restructure_loan(db, tenant.id, loan.id, RestructureIn(12, reason="job loss"), "cm")
    assert change.detail["installment"] == "8973.73"
    assert change.detail["capitalised"] == {
        "principal": "7884.88",
        "interest": "1000.00",
        "fees": "0.00",
        "penal": "0.00",
    }
    assert change.detail["classification"] == "restructured_standard"
    assert (loan.dpd, loan.asset_class, loan.schedule_version) == (0, "standard", 2)
    assert len(loan_repository.schedule_rows(db, loan.id, 1)) == 12  # old version kept
    new = loan_repository.schedule_rows(db, loan.id, 2)
    assert len(new) == 13 and new[1].total == Decimal("8973.73")
    assert new[-1].due_date == date(2025, 2, 1)
    assert sum((r.principal for r in new[1:]), Decimal(0)) == Decimal("101000.00")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("101000.00")
    assert balance(db, tenant, "INTEREST_DUE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("313.45")
    close_days_through(db, tenant, date(2024, 2, 20))
    assert (loan.dpd, loan.asset_class) == (0, "standard")
    kinds = [e.kind for e in loan_repository.events(db, loan.id)]
    assert "restructure" in kinds
    assert ledger_repository.verify(db) == []


def _npa_loan(db, tenant):
    """Nothing paid: NPA at the 1 May day-end (DPD 91). Write-off / settlement on 2 May,
    after the 2 May day-end: interest billed 1000.00 + 921.15 + 841.51 + 761.08 =
    3523.74, and one day of installment 5's interest (1% of the 67984.22 left after
    installment 4 = 679.84, over the 31 days to 1 Jun) = 21.93 accrued, all in
    suspense (3545.67): never recognised as income."""
    make_product(db, tenant, rules=NO_PENAL)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 5, 1))
    assert loan.asset_class == "npa"
    return loan


def test_write_off_then_recoveries(db, tenant):
    """Write-off: Dr INTEREST_SUSPENSE 3545.67, Dr WRITE_OFF_EXPENSE 100000.00 /
    Cr LOAN_PRINCIPAL 100000.00, INTEREST_DUE 3523.74, INTEREST_RECEIVABLE 21.93.
    Recoveries (written-off waterfall principal_first): 30000 -> principal; 72000 ->
    principal 70000 + interest 2000. 1545.68 more is refused (1545.67 left)."""
    loan = _npa_loan(db, tenant)
    writeoff.write_off(db, tenant.id, loan.id, "uncontactable", "cm")
    assert loan.status == "written_off"
    for account in ("LOAN_PRINCIPAL", "INTEREST_DUE", "INTEREST_RECEIVABLE", "INTEREST_SUSPENSE"):
        assert balance(db, tenant, account, loan.id) == Decimal("0.00"), account
    assert balance(db, tenant, "WRITE_OFF_EXPENSE", loan.id) == Decimal("100000.00")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("0.00")
    writeoff.recover(db, tenant.id, loan.id, Decimal("30000"), "test", external_ref="R1")
    again = writeoff.recover(db, tenant.id, loan.id, Decimal("30000"), "test", external_ref="R1")
    writeoff.recover(db, tenant.id, loan.id, Decimal("72000"), "test")
    with pytest.raises(Unprocessable, match="recovery refused") as err:
        writeoff.recover(db, tenant.id, loan.id, Decimal("1545.68"), "test")
    assert "1545.67" in err.value.problems[0].message
    assert again.detail["allocated"]["principal"] == "30000.00"  # the same change, once
    w = lifecycle_repository.write_off_of(db, loan.id)
    tracked = writeoff.tracking(w)
    assert tracked["written_off"] == {
        "principal": "100000.00",
        "interest": "3545.67",
        "fees": "0.00",
        "penal": "0.00",
    }
    assert tracked["recovered"]["principal"] == "100000.00"
    assert tracked["recovered"]["interest"] == "2000.00"
    assert tracked["outstanding"]["interest"] == "1545.67"
    assert balance(db, tenant, "RECOVERY_INCOME", loan.id) == Decimal("-102000.00")
    assert balance(db, tenant, "ESCROW_BANK", loan.id) == Decimal("102000.00")
    assert loan.status == "written_off"
    with pytest.raises(Conflict):
        writeoff.write_off(db, tenant.id, loan.id, "again", "cm")
    assert ledger_repository.verify(db) == []


def test_settlement_waives_the_rest_and_closes_as_settled(db, tenant):
    """Owed on 2 May: 100000.00 + 3523.74 + 21.93 = 103545.67. Settled at 60000 (the
    settlement waterfall takes principal first): collected principal 60000; waived
    principal 40000.00 and interest 3545.67. The waived interest was all in suspense,
    so it is reversed, not expensed: Dr ESCROW_BANK 60000, INTEREST_SUSPENSE 3545.67,
    WAIVER_EXPENSE 40000.00. The borrower pays 60010: 10.00 refundable."""
    loan = _npa_loan(db, tenant)
    with pytest.raises(Unprocessable):
        settlement.agree(db, tenant.id, loan.id, Decimal("103545.67"), "cm")
    deal = settlement.agree(db, tenant.id, loan.id, Decimal("60000"), "cm", date(2024, 5, 31))
    with pytest.raises(Unprocessable, match="refused") as err:
        settlement.pay(db, tenant.id, loan.id, Decimal("59000"), "test")
    assert "short of the agreed 60000.00 by 1000.00" in err.value.problems[0].message
    change = settlement.pay(db, tenant.id, loan.id, Decimal("60010"), "test")
    assert change.detail["waived"] == {
        "principal": "40000.00",
        "interest": "3545.67",
        "fee": "0.00",
        "penalty": "0.00",
    }
    assert (deal.status, deal.waived_principal, deal.waived_interest) == (
        "settled",
        Decimal("40000.00"),
        Decimal("3545.67"),
    )
    assert (loan.status, loan.closed_on, loan.advance) == (
        "settled",
        date(2024, 5, 2),
        Decimal("10.00"),
    )
    for account in ("LOAN_PRINCIPAL", "INTEREST_DUE", "INTEREST_RECEIVABLE", "INTEREST_SUSPENSE"):
        assert balance(db, tenant, account, loan.id) == Decimal("0.00"), account
    assert balance(db, tenant, "WAIVER_EXPENSE", loan.id) == Decimal("40000.00")
    assert balance(db, tenant, "BORROWER_ADVANCE", loan.id) == Decimal("-10.00")
    dues = loan_repository.due_rows(db, [loan.id])[loan.id]
    assert all(d.paid + d.waived == d.amount for d in dues)
    assert [e["closure"] for e in outbox_events(db, tenant, loan)] == ["settled"]
    assert ledger_repository.verify(db) == []


def test_restructure_of_an_npa_keeps_it_npa_with_the_capitalised_interest_in_suspense(db, tenant):
    """Restructured on 2 May (see _npa_loan): the 3523.74 interest billed is capitalised
    and stays out of income, held in suspense with the accrued interest; the running
    period's accrual is realigned to the new line (+11.46: 21.93 -> 33.39, the new
    principal 103523.74 earning 1035.24 over 1 May - 1 Jun), and that stays in
    suspense too: 3523.74 + 33.39 = 3557.13. The account stays NPA (no upgrade on
    restructuring) with DPD 0; income is unchanged."""
    loan = _npa_loan(db, tenant)
    income = balance(db, tenant, "INTEREST_INCOME", loan.id)
    change = restructure_loan(db, tenant.id, loan.id, RestructureIn(12), "cm")
    assert change.detail["classification"] == "restructured_npa"
    assert change.detail["interest_held"] == "3523.74"
    assert (loan.dpd, loan.asset_class, loan.npa_since) == (0, "npa", date(2024, 5, 1))
    assert change.detail["specified_period_end"] == "2025-06-01"  # first new EMI + 1 year
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("33.39")
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) == Decimal("-3557.13")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == income
    assert ledger_repository.verify(db) == []
