"""Due -> presentation -> bank (real SFTP sandbox) -> response -> posting -> ledger.

The loan: 1,00,000 at 12% for 12 months from 1 Jan 2024, first due 1 Feb 2024. Its
installment is 8,884.88: interest 1,000.00 (1,00,000 x 12% / 12) + principal 7,884.88
(equal installments). The product's bounce fee is 500.00; the bank's policy re-presents
a return 5 days later, at most 3 attempts in all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.collections import mandates
from hub.collections.nach import cycle
from lms_core.persistence.integration import inbox_repository
from lms_core.persistence.loans import loan_repository
from tests.collections.conftest import BANK
from tests.collections.helpers import dues, items, loan_with_mandate, repayments
from tests.support.loans import balance, close_days_through, make_product

UMRN_A = "HDFC7000000000000001"
UMRN_B = "HDFC7000000000000002"
FEB1 = date(2024, 2, 1)


@pytest.fixture
def loan_a(db, tenant, account_cipher, bank):
    make_product(db, tenant)
    loan, _ = loan_with_mandate(db, tenant, account_cipher, umrn=UMRN_A)
    close_days_through(db, tenant, date(2024, 1, 31))  # business date: 1 Feb
    return loan


def _round_trip(rt, nach_bank, tenant, day):
    result = cycle.present(rt, tenant.id, BANK, day)
    assert cycle.deliver(rt, tenant.id) == 1
    assert len(nach_bank.bank.process()) == 1
    polled = cycle.collect(rt, tenant.id, BANK)
    return result, polled


def test_success_posts_the_installment_and_settles_the_due(db, tenant, rt, nach_bank, loan_a):
    result, polled = _round_trip(rt, nach_bank, tenant, FEB1)

    assert (result.items, result.total, result.settlement_date) == (1, Decimal("8884.88"), FEB1)
    (item,) = items(db, loan_a.id)
    assert (item.status, item.attempt, item.reason_code) == ("collected", 1, None)
    (rep,) = repayments(db, loan_a.id)
    assert (rep.amount, rep.channel, rep.value_date) == (Decimal("8884.88"), "nach", FEB1)
    assert rep.external_ref == f"nach:{item.reference}"
    assert inbox_repository.get(db, tenant.id, polled.received[0]).status == "applied"

    close_days_through(db, tenant, FEB1)  # the day-end raises the due; the advance settles it
    installment = dues(db, loan_a.id, "installment")
    assert [(d.component, d.amount, d.paid) for d in installment] == [
        ("interest", Decimal("1000.00"), Decimal("1000.00")),
        ("principal", Decimal("7884.88"), Decimal("7884.88")),
    ]
    assert sum(d.amount - d.paid for d in dues(db, loan_a.id, "penal")) == 0
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan_a.id) == Decimal("92115.12")  # 1L - 7884.88


def test_insufficient_funds_charges_the_fee_and_represents(db, tenant, rt, nach_bank, loan_a):
    nach_bank.bank.behaviour.force(UMRN_A, "04")
    _round_trip(rt, nach_bank, tenant, FEB1)

    (item,) = items(db, loan_a.id)
    assert (item.status, item.reason_code, item.represent_on) == (
        "returned",
        "04",
        date(2024, 2, 6),
    )
    assert repayments(db, loan_a.id) == []
    (fee,) = dues(db, loan_a.id, "bounce")
    assert (fee.amount, fee.due_date) == (Decimal("500.00"), FEB1)
    assert balance(db, tenant, "FEE_INCOME", loan_a.id) == Decimal("-500.00")
    events = [e.kind for e in loan_repository.events(db, loan_a.id)]
    assert "nach_return" in events

    close_days_through(db, tenant, date(2024, 2, 5))  # business date: 6 Feb
    nach_bank.bank.behaviour.forced.clear()
    result, _ = _round_trip(rt, nach_bank, tenant, date(2024, 2, 6))
    assert result.items == 1
    first, second = items(db, loan_a.id)
    assert (second.attempt, second.status, second.amount) == (2, "collected", Decimal("8884.88"))
    assert first.next_item_id == second.id
    (rep,) = repayments(db, loan_a.id)
    assert (rep.amount, rep.value_date) == (Decimal("8884.88"), date(2024, 2, 6))
    db.expire_all()
    paid = {(d.kind, d.component): d.paid for d in dues(db, loan_a.id, "bounce")}
    paid |= {(d.kind, d.component): d.paid for d in dues(db, loan_a.id, "installment")}
    paid["penal"] = sum(d.paid for d in dues(db, loan_a.id, "penal"))
    # penal: 8,884.88 overdue x 24% / 365 = 5.84 a day, 1-5 Feb = 29.20; then interest
    # 1,000.00 and principal 7,855.68 (= 8,884.88 - 29.20 - 1,000.00); the bounce fee is
    # filed after the installment by the waterfall and stays open.
    assert paid == {
        ("bounce", "fee"): Decimal("0.00"),
        ("installment", "interest"): Decimal("1000.00"),
        ("installment", "principal"): Decimal("7855.68"),
        "penal": Decimal("29.20"),
    }


def test_dead_mandate_stops_presenting(db, tenant, rt, nach_bank, loan_a):
    nach_bank.bank.behaviour.force(UMRN_A, "01")  # account closed
    _round_trip(rt, nach_bank, tenant, FEB1)

    (item,) = items(db, loan_a.id)
    assert (item.status, item.reason_code, item.represent_on) == ("returned", "01", None)
    m = mandates.get(db, tenant.id, item.mandate_id)
    assert (m.status, m.reject_code) == ("dead", "01")
    assert [e.kind for e in mandates.history(db, tenant.id, m.id)][-1] == "dead"
    close_days_through(db, tenant, date(2024, 2, 29))
    result = cycle.present(rt, tenant.id, BANK, date(2024, 3, 1))
    assert result.presentation is None and result.items == 0


def test_the_same_response_file_twice_is_applied_once(db, tenant, rt, nach_bank, loan_a):
    _round_trip(rt, nach_bank, tenant, FEB1)
    home = nach_bank.bank.home
    (done,) = [p for p in (home / "processed").iterdir() if "ACH-RES-" in p.name]
    name = done.name.split("_", 1)[1]  # processed as <stamp>_<name>
    (home / "outbox" / name).write_bytes(done.read_bytes())
    (home / "outbox" / f"{name}.done").write_bytes(b"")

    again = cycle.collect(rt, tenant.id, BANK)
    assert again.received == [] and len(again.duplicates) == 1
    assert len(repayments(db, loan_a.id)) == 1
