"""Break desk API: every action, its figures, its audit trail, and its refusals."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hub.platform.auth.permissions import Role
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.platform.models import AuditLog
from lms_core.persistence.recon.models import ReconActualItem, ReconBreak, ReconExpectedItem
from tests.recon.desk.helpers import make_book
from tests.support.factories import auth_header, make_user

API = "/api/v1/recon/desk"


@pytest.fixture
def book(db, tenant):
    return make_book(db, tenant)


@pytest.fixture
def maker(db, tenant):
    return auth_header(make_user(db, tenant, username="maker", roles=(Role.FINANCE,)), tenant)


@pytest.fixture
def checker(db, tenant):
    return auth_header(make_user(db, tenant, username="checker", roles=(Role.FINANCE,)), tenant)


def test_queue_buckets_and_filters(client, book, maker):
    body = client.get(f"{API}/breaks", headers=maker).json()
    assert body["business_date"] == "2024-01-01"
    # Oldest first: payout (40 days), stray (5), short + due (1), dup (0).
    assert [r["age"] for r in body["rows"]] == [40, 5, 1, 1, 0]
    buckets = {b["label"]: (b["count"], b["amount"]) for b in body["buckets"]}
    assert buckets == {
        "0-1 days": (3, "2605.00"),  # 595 + 1,009 + 1,001
        "2-3 days": (0, "0.00"),
        "4-7 days": (1, "32300.00"),
        "8-30 days": (0, "0.00"),
        "31+ days": (1, "25000.00"),
    }

    def only(**q):
        return [
            r["id"] for r in client.get(f"{API}/breaks", params=q, headers=maker).json()["rows"]
        ]

    b = book.breaks
    assert only(min_amount="1000", max_amount="30000") == [b["payout"].id, b["due"].id, b["dup"].id]
    assert only(side="expected") == [b["due"].id]
    assert only(partner="meera") == [b["short"].id, b["due"].id]
    assert only(reason="duplicate") == [b["dup"].id]
    assert only(source="nach", account="50200012345678") == [b["due"].id]
    assert only(min_age=2, max_age=30) == [b["stray"].id]
    assert only(direction="debit") == [b["payout"].id]


def test_break_page_lists_candidates_with_the_reference_first(client, book, maker):
    body = client.get(f"{API}/breaks/{book.breaks['short'].id}", headers=maker).json()
    assert body["item"]["amount"] == "595.00"
    top = body["candidates"][0]
    # Same reference (50) + amount 414 off of 595 (30 - 414*300/595 -> 0) + same date (20).
    assert (top["side"], top["id"], top["score"]) == ("expected", book.expected_id, 70)
    assert top["why"].startswith("same reference")


def test_manual_match_closes_both_breaks_and_cannot_match_twice(client, db, book, maker):
    short, due = book.breaks["short"], book.breaks["due"]
    body = {
        "actual_ids": [book.actual["short"].id],
        "expected_ids": [book.expected_id],
        "note": "short paid",
    }
    made = client.post(f"{API}/matches", json=body, headers=maker)
    assert made.status_code == 201, made.text
    group = made.json()
    assert (group["rule"], group["strategy"], group["variance"]) == (
        "manual",
        "one_to_one",
        "-414.00",
    )
    db.refresh(short)
    db.refresh(due)
    assert (short.status, due.status) == ("closed", "closed")
    assert db.get(ReconActualItem, book.actual["short"].id).matched_group_id == group["id"]
    again = client.post(f"{API}/matches", json=body, headers=maker)
    assert again.status_code == 409
    # a fresh line with the already-matched expected item: refused whole, the line stays free
    body2 = {"actual_ids": [book.actual["dup"].id], "expected_ids": [book.expected_id]}
    assert client.post(f"{API}/matches", json=body2, headers=maker).status_code == 409
    db.expire_all()
    assert db.get(ReconActualItem, book.actual["dup"].id).matched_group_id is None
    actions = db.scalars(select(AuditLog.action).where(AuditLog.entity_type == "recon_match_group"))
    assert list(actions) == ["recon.match.manual"]


def test_manual_match_refusals(client, book, maker):
    mixed = {"actual_ids": [book.actual["payout"].id], "expected_ids": [book.expected_id]}
    assert client.post(f"{API}/matches", json=mixed, headers=maker).status_code == 422
    empty = {"actual_ids": [], "expected_ids": [book.expected_id]}
    assert client.post(f"{API}/matches", json=empty, headers=maker).status_code == 422
    unknown = {"actual_ids": [999999], "expected_ids": [book.expected_id]}
    assert client.post(f"{API}/matches", json=unknown, headers=maker).status_code == 404


def test_unmatch_reopens_the_breaks(client, db, book, maker):
    body = {"actual_ids": [book.actual["short"].id], "expected_ids": [book.expected_id]}
    group = client.post(f"{API}/matches", json=body, headers=maker).json()
    undone = client.post(
        f"{API}/matches/{group['id']}/undo", json={"note": "wrong payer"}, headers=maker
    )
    assert undone.status_code == 200, undone.text
    assert (undone.json()["status"], undone.json()["undone_by"]) == ("undone", "maker")
    db.expire_all()
    assert db.get(ReconBreak, book.breaks["short"].id).status == "open"
    assert db.get(ReconExpectedItem, book.expected_id).status == "open"
    assert db.get(ReconActualItem, book.actual["short"].id).matched_group_id is None
    assert (
        client.post(f"{API}/matches/{group['id']}/undo", json={}, headers=maker).status_code == 409
    )


def _postings(db, tenant, journal_id):
    journal = ledger_repository.load(db, tenant.id, journal_id)
    return sorted((p.account, str(p.amount)) for p in journal.postings)


def test_write_off_under_threshold_applies_at_once(client, db, tenant, book, maker):
    dup = book.breaks["dup"]
    body = {"kind": "write_off", "reason_code": "duplicate_credit", "note": "bank reversed it"}
    made = client.post(f"{API}/breaks/{dup.id}/resolutions", json=body, headers=maker)
    assert made.status_code == 201, made.text
    res = made.json()
    assert (res["status"], res["amount"], res["checker"]) == ("applied", "1001.00", None)
    # Actual credit: the bank holds 1,001 more than our books: Dr escrow, Cr write-off.
    assert _postings(db, tenant, res["journal_id"]) == [
        ("ESCROW_BANK", "1001.00"),
        ("WRITE_OFF_EXPENSE", "-1001.00"),
    ]
    db.refresh(dup)
    assert (dup.status, dup.resolution, dup.resolved_by) == ("resolved", "write_off", "maker")
    assert (
        client.post(f"{API}/breaks/{dup.id}/resolutions", json=body, headers=maker).status_code
        == 409
    )


def test_write_off_over_threshold_needs_a_second_user(client, db, tenant, book, maker, checker):
    stray = book.breaks["stray"]  # 32,300 > the default threshold of 10,000
    body = {"kind": "adjustment", "reason_code": "unidentified_credit"}
    res = client.post(f"{API}/breaks/{stray.id}/resolutions", json=body, headers=maker).json()
    assert (res["status"], res["journal_id"]) == ("pending", None)
    db.refresh(stray)
    assert stray.status == "open"  # nothing booked without the checker
    assert [r["id"] for r in client.get(f"{API}/resolutions", headers=maker).json()] == [res["id"]]
    assert (
        client.post(f"{API}/breaks/{stray.id}/resolutions", json=body, headers=maker).status_code
        == 409
    )
    own = client.post(f"{API}/resolutions/{res['id']}/approve", json={}, headers=maker)
    assert own.status_code == 403 and "second user" in own.json()["detail"]
    ok = client.post(
        f"{API}/resolutions/{res['id']}/approve", json={"note": "seen"}, headers=checker
    )
    assert ok.status_code == 200, ok.text
    done = ok.json()
    assert (done["status"], done["maker"], done["checker"]) == ("applied", "maker", "checker")
    assert _postings(db, tenant, done["journal_id"]) == [
        ("ESCROW_BANK", "32300.00"),
        ("SUSPENSE_RECEIPTS", "-32300.00"),
    ]
    assert (
        client.post(f"{API}/resolutions/{res['id']}/approve", json={}, headers=checker).status_code
        == 409
    )


def test_rejected_request_leaves_the_break_open(client, db, book, maker, checker):
    payout = book.breaks["payout"]  # actual debit 25,000: the bank holds less
    body = {"kind": "write_off", "reason_code": "other", "amount": "20000.00"}
    res = client.post(f"{API}/breaks/{payout.id}/resolutions", json=body, headers=maker).json()
    rejected = client.post(
        f"{API}/resolutions/{res['id']}/reject", json={"note": "find it"}, headers=checker
    )
    assert rejected.json()["status"] == "rejected"
    db.refresh(payout)
    assert payout.status == "open"


def test_threshold_setting_and_bad_requests(client, book, maker):
    assert client.put(
        f"{API}/settings", json={"approval_threshold": "50000.00"}, headers=maker
    ).json() == {"approval_threshold": "50000.00"}
    payout = book.breaks["payout"]
    res = client.post(
        f"{API}/breaks/{payout.id}/resolutions",
        json={"kind": "adjustment", "reason_code": "bank_charges"},
        headers=maker,
    ).json()
    assert res["status"] == "applied"  # 25,000 <= 50,000
    bad = client.post(
        f"{API}/breaks/{book.breaks['stray'].id}/resolutions",
        json={"kind": "gift", "reason_code": "nope", "amount": "99999.00"},
        headers=maker,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"kind", "reason_code", "amount"}


def test_assign_root_cause_comment(client, db, book, maker):
    brk = book.breaks["stray"].id
    row = client.post(
        f"{API}/breaks/{brk}/assign", json={"username": "maker"}, headers=maker
    ).json()
    assert row["assigned_to"] == "maker"
    assert (
        client.post(
            f"{API}/breaks/{brk}/assign", json={"username": "ghost"}, headers=maker
        ).status_code
        == 422
    )
    row = client.post(
        f"{API}/breaks/{brk}/root-cause", json={"root_cause": "wrong_reference"}, headers=maker
    ).json()
    assert row["root_cause"] == "wrong_reference"
    assert (
        client.post(
            f"{API}/breaks/{brk}/root-cause", json={"root_cause": "?"}, headers=maker
        ).status_code
        == 422
    )
    made = client.post(
        f"{API}/breaks/{brk}/comments", json={"body": "called the bank"}, headers=maker
    )
    assert made.status_code == 201
    page = client.get(f"{API}/breaks/{brk}", headers=maker).json()
    assert [(c["author"], c["body"]) for c in page["comments"]] == [("maker", "called the bank")]
    assert (
        client.get(f"{API}/breaks", params={"assigned_to": "maker"}, headers=maker).json()["rows"][
            0
        ]["id"]
        == brk
    )
    actions = db.scalars(select(AuditLog.action).where(AuditLog.entity_type == "recon_break"))
    assert list(actions) == ["recon.break.assign", "recon.break.root_cause", "recon.break.comment"]


def test_export_csv_and_excel(client, book, maker):
    csv_text = client.get(f"{API}/breaks/export", params={"format": "csv"}, headers=maker).text
    lines = csv_text.strip().split("\n")
    assert lines[0].startswith("break_id,opened_on,age_days,bucket")
    assert len(lines) == 6  # header + 5 open breaks
    xlsx = client.get(
        f"{API}/breaks/export", params={"format": "xlsx", "side": "actual"}, headers=maker
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5  # header + 4 actual-side breaks
    amounts = sorted(str(r[7]) for r in rows[1:])
    assert amounts == ["1001", "25000", "32300", "595"]


def test_summary_match_rate(client, book, maker):
    body = {"actual_ids": [book.actual["short"].id], "expected_ids": [book.expected_id]}
    client.post(f"{API}/matches", json=body, headers=maker)
    s = client.get(f"{API}/summary", headers=maker).json()
    # 4 actual lines, 1 matched: 25.00 %; open breaks: stray + dup + payout = 58,301.00.
    assert (s["actual_items"], s["matched_items"], s["match_rate_percent"]) == (4, 1, "25.00")
    assert (s["open_breaks"], s["open_amount"]) == (3, "58301.00")
    # short and due opened 2023-12-31, closed by the match on 2024-01-01: 1 day each.
    assert s["days_to_resolve"] == "1.00"


def test_auditor_reads_but_cannot_resolve(client, db, tenant, book):
    auditor = auth_header(make_user(db, tenant, roles=(Role.AUDITOR,)), tenant)
    assert client.get(f"{API}/breaks", headers=auditor).status_code == 200
    brk = book.breaks["dup"].id
    denied = client.post(f"{API}/breaks/{brk}/comments", json={"body": "x"}, headers=auditor)
    assert denied.status_code == 403
