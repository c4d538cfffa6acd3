"""E-mandate registration over SFTP: pain.009 batch out, pain.012 back; and the cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.collections import mandates
from hub.collections.mandates import MandateIn
from hub.collections.nach import cycle
from hub.collections.nach.bank_settings import NachBankSettings
from hub.platform.errors import Conflict
from lms_core.collections.enums import AmountRule, MandateKind
from lms_core.money import D
from tests.collections.conftest import BANK
from tests.support.loans import make_loan, make_product


def _emandate(db, tenant, cipher, account: str):
    loan = make_loan(db, tenant)
    data = MandateIn(
        loan_id=loan.id,
        kind=MandateKind.NACH_EMANDATE,
        debtor_name="Asha Rao",
        debtor_account=account,
        debtor_ifsc="ICIC0000123",
        amount=D("8884.88"),
        amount_rule=AmountRule.FIXED,
        frequency="MNTH",
        start_date=date(2024, 2, 1),
        end_date=date(2025, 1, 1),
    )
    return mandates.create(db, cipher, tenant.id, data, "test")


def test_batch_registers_accepted_and_rejects_refused(
    db, tenant, rt, account_cipher, nach_bank, bank
):
    make_product(db, tenant)
    good = _emandate(db, tenant, account_cipher, "50100012345678")
    closed = _emandate(db, tenant, account_cipher, "50100099999999")
    nach_bank.bank.behaviour.force("50100099999999", "M037")

    batch, count = cycle.register_mandates(rt, tenant.id, BANK)
    db.expire_all()
    assert count == 2 and (good.status, closed.status) == ("submitted", "submitted")
    cycle.deliver(rt, tenant.id)
    assert nach_bank.bank.process() == [f"MMS-RES-{batch}.xml"]
    cycle.collect(rt, tenant.id, BANK)

    db.expire_all()
    good, closed = mandates.get(db, tenant.id, good.id), mandates.get(db, tenant.id, closed.id)
    assert good.status == "registered" and len(good.reference) == 20
    assert (closed.status, closed.reject_code, closed.reference) == ("rejected", "M037", None)
    assert mandates.active_mandate_for(db, tenant.id, good.loan_id, date(2024, 2, 1)).id == good.id
    assert [e.kind for e in mandates.history(db, tenant.id, closed.id)] == [
        "initiated",
        "submitted",
        "rejected",
    ]
    assert cycle.register_mandates(rt, tenant.id, BANK) == (None, 0)


@pytest.mark.parametrize(
    ("utc_hour", "expected"),
    [
        (4, date(2024, 2, 1)),
        (5, date(2024, 2, 1)),
        (6, date(2024, 2, 2)),
    ],  # 09:30, 10:30, 11:30 IST
)
def test_cutoff_rolls_to_the_next_day(utc_hour, expected):
    bank = NachBankSettings("b", "L", "U", "SBIN0000001", "1")  # cut-off 10:30 IST
    now = datetime(2024, 2, 1, utc_hour, 0, tzinfo=UTC)
    assert bank.settlement_date(date(2024, 2, 1), now) == expected
    if expected != date(2024, 2, 1):
        with pytest.raises(Conflict):
            bank.settlement_date(date(2024, 2, 1), now, roll=False)
