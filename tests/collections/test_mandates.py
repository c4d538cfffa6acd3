"""The mandate registry: life cycle with history, encryption at rest, closure cancels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.collections import mandates as svc
from hub.collections.mandates import Amendment, MandateIn
from hub.loans import prepayments
from hub.platform.errors import Conflict, Unprocessable
from lms_core.collections.enums import AmountRule, MandateKind
from lms_core.money import D
from tests.collections.helpers import loan_with_mandate
from tests.loans.test_lifecycle_prepayment import RULES
from tests.support.loans import close_days_through, make_loan, make_product

UMRN = "HDFC0000000000012345"


def _mandate_in(loan_id: int, **kw) -> MandateIn:
    values = dict(
        loan_id=loan_id,
        kind=MandateKind.NACH_EMANDATE,
        debtor_name="Ravi Kumar",
        debtor_account="001234567890",
        debtor_ifsc="HDFC0001234",
        amount=D("10000"),
        amount_rule=AmountRule.MAXIMUM,
        frequency="MNTH",
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
    )
    return MandateIn(**(values | kw))


@pytest.fixture
def loan(db, tenant):
    make_product(db, tenant)
    return make_loan(db, tenant)


def test_life_cycle_keeps_history_and_masks_the_account(db, tenant, loan, account_cipher):
    m = svc.create(db, account_cipher, tenant.id, _mandate_in(loan.id), "ops")
    assert m.status == "initiated" and m.reference is None
    assert m.debtor_account_masked == "XXXXXXXX7890"
    assert "001234567890" not in m.debtor_account_token
    assert account_cipher.open(m.debtor_account_token) == "001234567890"
    assert svc.active_mandate_for(db, tenant.id, loan.id) is None

    svc.submit(db, tenant.id, m.id, "ops", batch_ref="EMB1")
    svc.register(db, tenant.id, m.id, UMRN, "bank")
    assert svc.active_mandate_for(db, tenant.id, loan.id).id == m.id
    svc.amend(db, tenant.id, m.id, Amendment(amount=D("12000"), reason="EMI change"), "ops")
    assert m.amount == D("12000")
    svc.cancel(db, tenant.id, m.id, "customer request", "ops")

    kinds = [(e.kind, e.status) for e in svc.history(db, tenant.id, m.id)]
    assert kinds == [
        ("initiated", "initiated"),
        ("submitted", "submitted"),
        ("registered", "registered"),
        ("amended", "registered"),
        ("cancel_requested", "cancel_requested"),  # the bank must confirm (pain.011)
    ]
    amended = svc.history(db, tenant.id, m.id)[3]
    assert amended.detail["before"]["amount"] == "10000.00"
    assert amended.detail["after"]["amount"] == "12000.00"
    assert svc.active_mandate_for(db, tenant.id, loan.id) is None


def test_reject_keeps_the_code_and_forbids_register(db, tenant, loan, account_cipher):
    m = svc.create(db, account_cipher, tenant.id, _mandate_in(loan.id), "ops")
    svc.reject(db, tenant.id, m.id, "M037", "account closed", "bank")
    assert (m.status, m.reject_code) == ("rejected", "M037")
    with pytest.raises(Conflict):
        svc.register(db, tenant.id, m.id, UMRN, "bank")


def test_a_umrn_belongs_to_one_mandate(db, tenant, loan, account_cipher):
    svc.create(db, account_cipher, tenant.id, _mandate_in(loan.id, reference=UMRN), "ops")
    second = svc.create(db, account_cipher, tenant.id, _mandate_in(loan.id), "ops")
    with pytest.raises(Conflict):
        svc.register(db, tenant.id, second.id, UMRN, "bank")


def test_bad_fields_are_named(db, tenant, loan, account_cipher):
    bad = _mandate_in(loan.id, amount=D("0"), debtor_ifsc=None, end_date=date(2023, 1, 1))
    with pytest.raises(Unprocessable) as caught:
        svc.create(db, account_cipher, tenant.id, bad, "ops")
    assert {p.field for p in caught.value.problems} == {"amount", "debtor_ifsc", "end_date"}


def test_upi_vpa_is_masked_and_dates_bound_activity(db, tenant, loan, account_cipher):
    data = _mandate_in(
        loan.id,
        kind=MandateKind.UPI_AUTOPAY,
        debtor_account="ravi.k@okbank",
        debtor_ifsc=None,
        start_date=date(2024, 2, 1),
        end_date=date(2024, 6, 30),
    )
    m = svc.create(db, account_cipher, tenant.id, data, "psp")
    assert m.debtor_account_masked == "ra***@okbank"
    svc.register(db, tenant.id, m.id, "UMN0001@okbank", "psp")
    assert svc.active_mandate_for(db, tenant.id, loan.id, date(2024, 1, 31)) is None
    assert svc.active_mandate_for(db, tenant.id, loan.id, date(2024, 2, 1)).id == m.id
    nach_only = svc.active_mandate_for(db, tenant.id, loan.id, date(2024, 3, 1), svc.NACH_KINDS)
    assert nach_only is None
    assert svc.expire_past_end(db, tenant.id, date(2024, 7, 1)) == [m.id]


def test_closed_loan_cancels_live_mandates_once(db, tenant, loan, account_cipher):
    """The registered one is known to the bank: its cancellation is requested; the one
    never sent is simply cancelled."""
    a = svc.create(db, account_cipher, tenant.id, _mandate_in(loan.id, reference=UMRN), "ops")
    b = svc.create(db, account_cipher, tenant.id, _mandate_in(loan.id), "ops")
    assert svc.cancel_for_closed_loan(db, tenant.id, loan.id) == [a.id, b.id]
    assert (a.status, b.status) == ("cancel_requested", "cancelled")
    assert svc.cancel_for_closed_loan(db, tenant.id, loan.id) == []


def test_closing_a_loan_cancels_its_live_mandates_in_the_same_transaction(
    db, tenant, account_cipher
):
    """Foreclose on 10 Feb (nothing paid): the quote is 1,05,672.95 (see the life-cycle
    tests for its parts). Paying it closes the loan, and the loan.closed event cancels
    the registered mandate with the reason "loan closed": a request to the bank, so the
    mandate is ``cancel_requested`` until the bank confirms (test_mandate_cancel.py)."""
    make_product(db, tenant, rules=RULES)
    loan, mandate = loan_with_mandate(db, tenant, account_cipher, umrn="HDFC7000000000000099")
    assert mandate.status == "registered"
    close_days_through(db, tenant, date(2024, 2, 9))

    prepayments.execute_foreclosure(db, tenant.id, loan.id, Decimal("105672.95"), "test")

    assert loan.status == "closed"
    db.refresh(mandate)
    assert mandate.status == "cancel_requested"
    last = svc.history(db, tenant.id, mandate.id)[-1]
    assert (last.kind, last.actor) == ("cancel_requested", "loan-closure")
