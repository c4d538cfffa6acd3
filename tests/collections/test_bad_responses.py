"""Bad response files: wrong totals (rejected whole), malformed or foreign records
(quarantined, naming line and field, the good records still applied), ACH round trip.

Two loans of 1,00,000 at 12% for 12 months: installment 8,884.88 each (see test_nach_flow).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from formats.nach.ach import AchOptions, parse_ach
from hub.collections.nach import cycle
from lms_core.persistence.integration import inbox_repository
from tests.collections.conftest import BANK
from tests.collections.helpers import items, loan_with_mandate, repayments
from tests.support.loans import close_days_through, make_product

FEB1 = date(2024, 2, 1)
LONG_NAME = "Venkata Subramaniam Ramanathan Iyer Krishnamurthy"  # 50 characters


@pytest.fixture
def two_loans(db, tenant, account_cipher, bank):
    make_product(db, tenant)
    a, _ = loan_with_mandate(db, tenant, account_cipher, umrn="HDFC7000000000000011")
    b, _ = loan_with_mandate(
        db, tenant, account_cipher, umrn="HDFC7000000000000012", name=LONG_NAME
    )
    close_days_through(db, tenant, date(2024, 1, 31))
    return a, b


def _presented(rt, nach_bank, tenant) -> bytes:
    cycle.present(rt, tenant.id, BANK, FEB1)
    cycle.deliver(rt, tenant.id)
    (path,) = [
        p
        for p in (nach_bank.bank.home / "inbox").iterdir()
        if p.name.startswith("ACH-DR") and p.suffix == ".txt"
    ]
    return path.read_bytes()


def _bank_answers(nach_bank, presentation: bytes, edit) -> None:
    lines = nach_bank.bank.answer_ach(presentation).decode().split("\n")
    data = "\n".join(edit(lines)).encode()
    outbox = nach_bank.bank.home / "outbox"
    (outbox / "ACH-RES-TEST.txt").write_bytes(data)
    (outbox / "ACH-RES-TEST.txt.done").write_bytes(b"")


def test_generated_file_round_trips_padded_truncated_paise_exact(
    db, tenant, rt, nach_bank, two_loans
):
    data = _presented(rt, nach_bank, tenant)
    lines = data.decode().rstrip("\n").split("\n")
    assert [len(line) for line in lines] == [306, 306, 306]
    parsed = parse_ach(data, source="p", options=AchOptions())
    assert parsed.ok and parsed.header.total_amount == Decimal("17769.76")  # 2 x 8,884.88
    assert parsed.header.total_items == 2 and parsed.header.settlement_date == FEB1
    first, second = parsed.records
    assert lines[1][120:133] == "0000000888488" and first.amount == Decimal("8884.88")
    assert second.beneficiary_name == LONG_NAME[:40]  # truncated to the field's 40
    assert lines[2][31:71] == LONG_NAME[:40]
    assert first.umrn == "HDFC7000000000000011" and first.user_number == "NACH00000000012345"
    assert first.transaction_reference == items(db, two_loans[0].id)[0].reference


def test_wrong_total_rejects_the_whole_file(db, tenant, rt, nach_bank, two_loans):
    presentation = _presented(rt, nach_bank, tenant)

    def inflate(lines):  # header total 17,769.76 -> 17,769.77
        head = lines[0]
        return [head[:112] + "0000001776977" + head[125:], *lines[1:]]

    _bank_answers(nach_bank, presentation, inflate)
    polled = cycle.collect(rt, tenant.id, BANK)
    item = inbox_repository.get(db, tenant.id, polled.received[0])
    assert item.status == "rejected"
    assert "total_amount 17769.77 != details 17769.76" in item.reason
    assert [i.status for a in two_loans for i in items(db, a.id)] == ["presented", "presented"]
    assert all(repayments(db, a.id) == [] for a in two_loans)


def test_malformed_and_foreign_records_are_quarantined_good_ones_applied(
    db, tenant, rt, nach_bank, two_loans
):
    presentation = _presented(rt, nach_bank, tenant)

    def spoil(lines):  # line 3: amount not numeric; a third record nobody presented
        bad = lines[2][:120] + "00000008848X8" + lines[2][133:]
        foreign = lines[1][:133] + "0000000003" + lines[1][143:231] + "NACH999999999999".ljust(30)
        foreign += lines[1][261:]
        head = lines[0][:112] + "0000002665464" + lines[0][125:238] + "000000003" + lines[0][247:]
        return [head, lines[1], bad, foreign, *lines[3:]]

    _bank_answers(nach_bank, presentation, spoil)
    polled = cycle.collect(rt, tenant.id, BANK)
    inbox = inbox_repository.get(db, tenant.id, polled.received[0])
    assert inbox.status == "partial"
    assert inbox.counts == {"applied": 1, "duplicate": 0, "quarantined": 2}
    outcomes = {
        (o.line, o.field): o.reason for o in inbox_repository.outcomes(db, tenant.id, inbox.id)
    }
    assert outcomes[(3, "amount")] == "not a number: '00000008848X8'"
    assert "was not presented by us" in outcomes[(4, "transaction_reference")]
    a, b = two_loans
    assert [r.amount for r in repayments(db, a.id)] == [Decimal("8884.88")]
    assert repayments(db, b.id) == [] and items(db, b.id)[0].status == "presented"
