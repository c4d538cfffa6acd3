"""RBI's restructuring norms through the day-ends, and a same-day reversal's dues.

Common loan: 100000 at 12% over 12 months from 1 Jan 2024, first due 1 Feb, EMI
8884.88; no penal charges (penal_rate 0) so the figures stay short. Nothing is paid:
DPD 91 at the 1 May day-end, an NPA. Interest billed for installments 1-4: 1000.00 +
921.15 + 841.51 + 761.08 = 3523.74; principal due 32015.78 (8884.88 x 4 - 3523.74).

Restructured on 2 May (after its day-end) over 24 installments at 12%: the arrears are
capitalised, principal 100000.00 + interest 3523.74 = 103523.74 re-amortised from
installment 5 (1 Jun 2024) to 28 (1 May 2026): EMI 103523.74 x 0.01 x 1.01^24 /
(1.01^24 - 1) = 4873.22. RBI's specified period ends one year after the first payment
under the new terms: 1 Jun 2025 (10% of 103523.74 is repaid well before, by the third
EMI). Satisfactory performance = never in default in it (tolerance 0 DPD).
"""

from datetime import date, timedelta
from decimal import Decimal

from hub.loans.repayments import RepaymentIn, post_repayment
from hub.loans.restructure import RestructureIn, restructure_loan
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform.tenant_repository import business_date
from tests.support.factories import auth_header
from tests.support.loans import PERSONAL_LOAN, balance, close_days_through, make_loan
from tests.support.loans import make_product as _make_product

NO_PENAL = {**PERSONAL_LOAN, "penal_rate": "0"}
EMI = Decimal("4873.22")
UNTIL = date(2025, 6, 1)


def _restructured_npa(db, tenant):
    _make_product(db, tenant, rules=NO_PENAL)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 5, 1))
    assert (loan.dpd, loan.asset_class) == (91, "npa")
    change = restructure_loan(db, tenant.id, loan.id, RestructureIn(24, reason="illness"), "cm")
    assert change.detail["installment"] == str(EMI)
    assert change.detail["capitalised"]["interest"] == "3523.74"
    assert change.detail["specified_period_end"] == UNTIL.isoformat()
    assert (loan.dpd, loan.asset_class) == (0, "npa")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("103523.74")
    return loan


def _pay_each_emi_on_time(db, tenant, loan, through: date, skip: date | None = None):
    """Run day-ends to ``through``, paying each EMI on its due date (except ``skip``)."""
    plan = loan_repository.schedule_rows(db, loan.id, loan.schedule_version)
    for line in plan:
        if line.due_date < business_date(db, tenant.id) or line.due_date > through:
            continue
        close_days_through(db, tenant, line.due_date - timedelta(days=1))
        if line.due_date != skip:
            post_repayment(db, tenant.id, loan.id, RepaymentIn(line.total), "test")
    close_days_through(db, tenant, through)


def _classes(db, loan) -> list[tuple[date, str]]:
    return [
        (e.business_date, e.detail["to"])
        for e in loan_repository.events(db, loan.id)
        if e.kind == "classification"
    ]


def test_restructured_npa_is_upgraded_at_the_end_of_the_specified_period(db, tenant):
    """Thirteen EMIs paid on their due dates (1 Jun 2024 .. 1 Jun 2025): the loan stays
    NPA, its interest on the cash basis, through 31 May 2025 although DPD is 0, and is
    upgraded at the 1 Jun 2025 day-end, not a day earlier.

    31 May 2025: principal 54848.49 after installment 16; installment 17's interest is
    1% of it, 548.48, of which 30/31 accrued = 530.79. Suspense holds that and the
    3523.74 capitalised: 4054.53. Interest recognised so far = interest collected:
    9803.39 (twelve EMIs' interest).
    1 Jun 2025: the 13th EMI pays installment 17 (548.48 interest); the upgrade releases
    the suspense into income: 3523.74 + 548.48 = 4072.22. Then income = all interest
    collected (13 x 4873.22 = 63351.86 less principal 52999.99 = 10351.87) plus the
    capitalised 3523.74: 13875.61."""
    loan = _restructured_npa(db, tenant)
    _pay_each_emi_on_time(db, tenant, loan, UNTIL - timedelta(days=1))
    assert (loan.dpd, loan.asset_class) == (0, "npa")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("54848.49")
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("530.79")
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) == Decimal("-4054.53")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("-9803.39")
    _pay_each_emi_on_time(db, tenant, loan, UNTIL)
    assert (loan.dpd, loan.asset_class, loan.npa_since) == (0, "standard", None)
    assert _classes(db, loan)[-2:] == [(date(2024, 5, 1), "npa"), (UNTIL, "standard")]
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("-13875.61")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("50523.75")
    assert balance(db, tenant, "INTEREST_DUE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "INTEREST_RECEIVABLE", loan.id) == Decimal("0.00")
    assert balance(db, tenant, "ESCROW_BANK", loan.id) == EMI * 13
    assert ledger_repository.verify(db) == []


def test_a_slip_in_the_specified_period_keeps_the_restructured_account_npa(db, tenant):
    """The 1 Oct 2024 EMI is paid a day late (2 Oct): DPD 1 at the 1 Oct day-end, a
    default in the specified period. Every other EMI is on time, DPD is 0 again from
    2 Oct, yet the account is not upgraded on 1 Jun 2025 and stays NPA after it."""
    loan = _restructured_npa(db, tenant)
    _pay_each_emi_on_time(db, tenant, loan, date(2024, 10, 1), skip=date(2024, 10, 1))
    assert (loan.dpd, loan.asset_class) == (1, "npa")
    post_repayment(db, tenant.id, loan.id, RepaymentIn(EMI), "test")
    _pay_each_emi_on_time(db, tenant, loan, UNTIL + timedelta(days=5))
    assert (loan.dpd, loan.asset_class) == (0, "npa")
    assert _classes(db, loan)[-1] == (date(2024, 5, 1), "npa")
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) < -Decimal("3523.74")
    assert ledger_repository.verify(db) == []


def test_a_late_payment_back_dated_into_time_restores_the_upgrade(db, tenant):
    """The 1 Oct 2024 EMI arrives on 2 Oct but is posted with value date 1 Oct (a
    NACH credit the bank dated on time): the replay sees no default, so the period ends
    satisfactorily and the loan is upgraded at the 1 Jun 2025 day-end."""
    loan = _restructured_npa(db, tenant)
    _pay_each_emi_on_time(db, tenant, loan, date(2024, 10, 1), skip=date(2024, 10, 1))
    late = RepaymentIn(EMI, value_date=date(2024, 10, 1))
    post_repayment(db, tenant.id, loan.id, late, "test")
    assert (loan.dpd, loan.asset_class) == (0, "npa")
    _pay_each_emi_on_time(db, tenant, loan, UNTIL)
    assert (loan.asset_class, _classes(db, loan)[-1]) == ("standard", (UNTIL, "standard"))


def test_a_restructured_standard_account_is_downgraded_to_npa(db, tenant):
    """Installment 1 unpaid; restructured on 10 Feb 2024 (DPD 10, SMA-0) over 12
    installments. By default (RBI) it becomes an NPA at once: DPD 0, NPA since 10 Feb;
    the 1000.00 interest it capitalises and the 313.45 accrued on the new line (see
    test_lifecycle_credit) are reversed from income into suspense: 1313.45."""
    _make_product(db, tenant, rules=NO_PENAL)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 2, 9))
    assert (loan.dpd, loan.asset_class) == (9, "sma0")
    # Recognised so far: installment 1's 1000.00 and 1-9 Feb's accrual (254.11).
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("-1254.11")
    change = restructure_loan(db, tenant.id, loan.id, RestructureIn(12), "cm")
    assert change.detail["classification"] == "restructured_npa"
    assert change.detail["interest_held"] == "1000.00"
    assert (loan.dpd, loan.asset_class, loan.npa_since) == (0, "npa", date(2024, 2, 10))
    assert balance(db, tenant, "INTEREST_SUSPENSE", loan.id) == Decimal("-1313.45")
    # Nothing was ever collected: all of it (with 10 Feb's accrual and the realignment)
    # is out of income.
    assert balance(db, tenant, "INTEREST_INCOME", loan.id) == Decimal("0.00")
    close_days_through(db, tenant, date(2024, 2, 20))
    assert (loan.dpd, loan.asset_class) == (0, "npa")
    assert _classes(db, loan)[-1] == (date(2024, 2, 10), "npa")
    assert ledger_repository.verify(db) == []


def test_a_due_paid_and_reversed_the_same_day_shows_unpaid_at_once(client, db, tenant, admin):
    """1 Feb: the EMI (8884.88) is paid by NACH, raising and settling installment 1 ahead
    of the day-end; the bank returns it the same day. The schedule read through the API
    shows installment 1 unpaid straight away, not only after the day-end."""
    _make_product(db, tenant, rules=PERSONAL_LOAN)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    headers = auth_header(admin, tenant)
    pay = {"amount": "8884.88", "channel": "nach", "reference": "NACH-1"}
    posted = client.post(f"/api/v1/loans/{loan.id}/repayments", json=pay, headers=headers)
    assert posted.status_code == 201, posted.text
    schedule = client.get(f"/api/v1/loans/{loan.id}/schedule", headers=headers).json()
    assert (schedule[0]["status"], schedule[0]["paid"]) == ("paid", "8884.88")
    rep_id = posted.json()["id"]
    undo = {"reason": "NACH return 04", "bounce": False}
    reversed_ = client.post(f"/api/v1/repayments/{rep_id}/reverse", json=undo, headers=headers)
    assert reversed_.status_code == 200, reversed_.text
    schedule = client.get(f"/api/v1/loans/{loan.id}/schedule", headers=headers).json()
    assert (schedule[0]["status"], schedule[0]["paid"]) == ("unpaid", "0.00")
    dues = loan_repository.due_rows(db, [loan.id])[loan.id]
    assert [(d.component, d.amount, d.paid) for d in dues] == [
        ("principal", Decimal("7884.88"), Decimal("0.00")),
        ("interest", Decimal("1000.00"), Decimal("0.00")),
    ]
    close_days_through(db, tenant, date(2024, 2, 1))
    assert loan.dpd == 1
    assert balance(db, tenant, "ESCROW_BANK", loan.id) == Decimal("0.00")
    assert ledger_repository.verify(db) == []
