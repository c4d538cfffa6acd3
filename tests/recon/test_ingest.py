"""Statements and the UTR feed through the inbox: stored when sound, refused whole when not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hub.integration.inbox import service as inbox
from lms_core.integration.enums import Channel
from lms_core.persistence.integration import inbox_repository
from lms_core.persistence.recon.models import ReconActualItem, ReconStatement
from tests.recon.conftest import NOW
from tests.recon.statements import camt, hdfc_csv, mt940, mt940_line


def deliver(db, worker, tenant, cp, doc, data, name):
    got = inbox.receive(
        db, tenant_id=tenant.id, channel=Channel.FILE, source=cp.code, counterpart_id=cp.id,
        document_kind=doc, data=data, filename=name, now=NOW,
    )  # fmt: skip
    status = worker.run_item(got.item_id) if not got.duplicate else got.status
    db.expire_all()
    return got, status, inbox_repository.get(db, tenant.id, got.item_id)


def lines(db, tenant):
    rows = db.query(ReconActualItem).filter_by(tenant_id=tenant.id).order_by(ReconActualItem.id)
    return rows.all()


def outcomes(db, tenant, item_id):
    return [(o.line, o.field, o.reason) for o in inbox_repository.outcomes(db, tenant.id, item_id)]


def test_mt940_lines_are_stored_with_their_utr(db, worker, bank):
    tenant, account, escrow, _ = bank
    data = mt940(
        41,
        "1000.00",
        mt940_line("25000.50", "NEFT CR-HDFCN24096123456-RAMESH KUMAR", ref="LN2024000001"),
        mt940_line("300.00", "UPI/412345678901/EMI", mark="D"),
    )
    _, status, item = deliver(db, worker, tenant, escrow, "mt940", data, "stmt41.sta")
    assert status == "applied", item.reason
    stored = lines(db, tenant)
    assert [(x.direction, x.amount, x.utr, x.rail, x.our_ref) for x in stored] == [
        ("credit", Decimal("25000.50"), "HDFCN24096123456", "NEFT", "LN2024000001"),
        ("debit", Decimal("300.00"), "412345678901", "UPI", None),
    ]
    st = db.query(ReconStatement).filter_by(tenant_id=tenant.id).one()
    # 1,000.00 + 25,000.50 - 300.00 = 25,700.50
    assert (st.sequence_no, st.opening, st.closing) == (41, Decimal("1000.00"), Decimal("25700.50"))
    db.refresh(account)
    assert account.last_sequence == 41


def test_statement_that_does_not_balance_is_refused_whole(db, worker, bank):
    tenant, _, escrow, _ = bank
    data = mt940(1, "1000.00", mt940_line("500.00", "NEFT CR X"), closing="1400.00")
    _, status, item = deliver(db, worker, tenant, escrow, "mt940", data, "bad.sta")
    assert status == "rejected"
    # 1,000.00 + 500.00 = 1,500.00 but the closing balance says 1,400.00
    assert "1000.00 + lines 500.00 = 1500.00, but closing balance is 1400.00" in item.reason
    assert lines(db, tenant) == [] and db.query(ReconStatement).count() == 0


def test_duplicated_statement_is_refused(db, worker, bank):
    tenant, _, escrow, _ = bank
    first = mt940(7, "0.00", mt940_line("100.00", "IMPS/P2A/400000000001/X"))
    deliver(db, worker, tenant, escrow, "mt940", first, "s7.sta")
    # the same bytes again: the inbox recognises them
    again, _, _ = deliver(db, worker, tenant, escrow, "mt940", first, "s7.sta")
    assert again.duplicate
    # statement 7 again in another file: refused naming the first delivery
    other = mt940(7, "0.00", mt940_line("200.00", "IMPS/P2A/400000000002/Y"))
    _, status, item = deliver(db, worker, tenant, escrow, "mt940", other, "s7-copy.sta")
    assert status == "rejected" and "statement 7 for account" in item.reason
    assert "duplicated statement" in item.reason
    assert len(lines(db, tenant)) == 1


def test_a_gap_holds_the_statement_until_the_missing_one_arrives(db, worker, bank):
    tenant, account, escrow, _ = bank
    deliver(db, worker, tenant, escrow, "mt940", mt940(5, "0.00", mt940_line("1.00", "A")), "5")
    s8 = mt940(8, "3.00", mt940_line("4.00", "D"))
    _, status, item = deliver(db, worker, tenant, escrow, "mt940", s8, "8")
    assert status == "partial"
    assert outcomes(db, tenant, item.id) == [
        (0, "sequence", f"missing statement numbers 6, 7 for account {account.account_no}")
    ]
    assert [x.held for x in lines(db, tenant)] == [False, True]
    deliver(db, worker, tenant, escrow, "mt940", mt940(7, "2.00", mt940_line("1.00", "C")), "7")
    assert [x.held for x in lines(db, tenant)] == [False, True, True]
    deliver(db, worker, tenant, escrow, "mt940", mt940(6, "1.00", mt940_line("1.00", "B")), "6")
    db.refresh(account)
    assert [x.held for x in lines(db, tenant)] == [False, False, False, False]
    assert account.last_sequence == 8


def test_unknown_account_is_refused(db, worker, bank):
    tenant, _, escrow, _ = bank
    data = mt940(1, "0.00", mt940_line("1.00", "X"), account="99999999")
    _, status, item = deliver(db, worker, tenant, escrow, "mt940", data, "x.sta")
    assert status == "rejected" and "unknown account '99999999'" in item.reason
    assert lines(db, tenant) == []


def test_camt053_entry_with_reference_and_sequence(db, worker, bank):
    tenant, _, escrow, _ = bank
    data = camt(3, "100.00", "250000.00", "250100.00")
    _, status, item = deliver(db, worker, tenant, escrow, "camt", data, "camt3.xml")
    assert status == "applied", item.reason
    (x,) = lines(db, tenant)
    assert (x.kind, x.amount, x.utr, x.our_ref, x.counterparty) == (
        "camt.053", Decimal("250000.00"), "ICICR52024040500000001", "PF-77", "ASHA TRADERS"
    )  # fmt: skip


def test_hdfc_csv_running_balance_and_bad_amount(db, worker, bank):
    tenant, _, escrow, _ = bank
    good = hdfc_csv(
        "05/04/24,NEFT CR-HDFCN24096000007-ASHA-LN7,HDFCN24096000007,05/04/24,,"
        '"5,000.00","15,000.00",501',
        "05/04/24,IMPS PAYOUT,IMPS000000001,05/04/24,2000.00,,13000.00,",
    )
    _, status, item = deliver(db, worker, tenant, escrow, "statement_csv", good, "hdfc.csv")
    assert status == "applied", item.reason
    assert [(x.direction, x.amount, x.utr) for x in lines(db, tenant)] == [
        ("credit", Decimal("5000.00"), "HDFCN24096000007"),
        ("debit", Decimal("2000.00"), None),
    ]
    bad = hdfc_csv("06/04/24,NEFT CR,HDFCN24097000001,06/04/24,,5x00.00,18000.00,")
    _, status, item = deliver(db, worker, tenant, escrow, "statement_csv", bad, "hdfc2.csv")
    assert status == "rejected" and "line 2, credit" in item.reason
    # 13,000 + 5,000 = 18,000 expected; the row claims 17,000
    broken = hdfc_csv("06/04/24,NEFT CR,HDFCN24097000002,06/04/24,,5000.00,18000.00,",
                      "06/04/24,NEFT CR,HDFCN24097000003,06/04/24,,5000.00,22000.00,")  # fmt: skip
    _, status, item = deliver(db, worker, tenant, escrow, "statement_csv", broken, "hdfc3.csv")
    assert status == "rejected" and "18000.00 + 5000.00 - 0 = 23000.00" in item.reason
    assert len(lines(db, tenant)) == 2


def test_utr_feed_keeps_good_lines_and_quarantines_bad(db, worker, bank):
    tenant, _, _, feed = bank
    head = "UTR,Amount,Value Date,Remitter Name,Remitter Account,Virtual Account,Status"
    data = "\n".join((
        head,
        "HDFCN24096000009,1500.00,05-04-2024,Asha,5010001,SANGAMVA0001,SUCCESS",
        "HDFCN24096000010,abc,05-04-2024,Ravi,5010002,SANGAMVA0002,SUCCESS",
        "HDFCN24096000011,700.00,05-04-2024,Mala,5010003,SANGAMVA0003,PENDING",
    )).encode()  # fmt: skip
    _, status, item = deliver(db, worker, tenant, feed, "utr_csv", data, "utr.csv")
    assert status == "partial"
    assert [(x.utr, x.amount, x.kind) for x in lines(db, tenant)] == [
        ("HDFCN24096000009", Decimal("1500.00"), "utr_feed")
    ]
    fields = [(line, field) for line, field, _ in outcomes(db, tenant, item.id)]
    assert fields == [(3, "amount"), (4, "status")]
    assert date(2024, 4, 5) == lines(db, tenant)[0].value_date
