"""Inbox: stored raw first, deduplicated, applied once, every record's fate recorded.

The file in most tests is a sponsor-bank UTR feed mapped by mappings/utr_feed/default.yaml
into the staging table, keyed by UTR.
"""

from __future__ import annotations

import pytest

from hub.integration.inbox import service as inbox
from hub.integration.inbox.handlers import HandlerRegistry, HandlerResult, InboxHandler
from hub.integration.inbox.service import InboxWorker
from lms_core.integration.enums import Channel, InboxStatus
from lms_core.persistence.integration import counterpart_repository, inbox_repository
from tests.integration.helpers import DOC, KIND, registry_with_utr, utr_csv, utr_line


@pytest.fixture
def feed(db, tenant):
    return counterpart_repository.create(db, tenant.id, "sbi_utr", KIND, "sftp_pickup", {}, None)


@pytest.fixture
def worker(factory, clock):
    return InboxWorker(factory, "w1", clock, handlers=registry_with_utr())


def receive(db, tenant, feed, clock, data, name="utr_20240405.csv", declared=None):
    return inbox.receive(
        db,
        tenant_id=tenant.id,
        channel=Channel.FILE,
        source=feed.code,
        counterpart_id=feed.id,
        document_kind=DOC,
        data=data,
        filename=name,
        declared=declared,
        now=clock(),
    )


def records(db, tenant, item_id):
    return [
        (o.line, o.outcome, o.field, o.reason)
        for o in inbox_repository.outcomes(db, tenant.id, item_id)
    ]


def test_a_file_is_stored_raw_then_applied(db, tenant, feed, clock, worker):
    data = utr_csv(utr_line(1, "1500.50"), utr_line(2, "250.00"))
    got = receive(
        db, tenant, feed, clock, data, declared={"record_count": 2, "amount_total": "1750.50"}
    )
    assert got.duplicate is False
    item = inbox_repository.get(db, tenant.id, got.item_id)
    assert (item.status, item.size, item.filename) == ("received", len(data), "utr_20240405.csv")
    assert inbox_repository.blob_data(db, tenant.id, item.sha256) == data

    assert worker.run_item(got.item_id) == InboxStatus.APPLIED
    db.expire_all()
    item = inbox_repository.get(db, tenant.id, got.item_id)
    assert item.counts == {"applied": 2, "duplicate": 0, "quarantined": 0}
    staged = inbox_repository.staged_records(db, tenant.id, DOC)
    assert [(r.record_key, r.line, r.canonical["amount"]) for r in staged] == [
        ("UTRN202400000001", 2, "1500.50"),
        ("UTRN202400000002", 3, "250.00"),
    ]


def test_the_same_file_twice_is_acknowledged_and_ignored(db, tenant, feed, clock):
    data = utr_csv(utr_line(1))
    first = receive(db, tenant, feed, clock, data)
    again = receive(db, tenant, feed, clock, data)
    assert (again.item_id, again.duplicate) == (first.item_id, True)
    assert len(inbox_repository.list_items(db, tenant.id)) == 1


def test_records_seen_in_an_earlier_file_are_duplicates_naming_the_first(
    db, tenant, feed, clock, worker
):
    first = receive(db, tenant, feed, clock, utr_csv(utr_line(1), utr_line(2)), name="a.csv")
    worker.run_item(first.item_id)
    second = receive(db, tenant, feed, clock, utr_csv(utr_line(2), utr_line(3)), name="b.csv")
    assert worker.run_item(second.item_id) == InboxStatus.APPLIED
    assert records(db, tenant, second.item_id) == [
        (2, "duplicate", None, f"already applied from inbox item {first.item_id} line 3")
    ]
    assert inbox_repository.count_staged(db, tenant.id, DOC) == 3


def test_reprocessing_applies_nothing_twice(db, tenant, feed, clock, worker):
    got = receive(db, tenant, feed, clock, utr_csv(utr_line(1), utr_line(2)))
    worker.run_item(got.item_id)
    inbox.reprocess(db, tenant.id, got.item_id)
    assert worker.run_item(got.item_id) == InboxStatus.APPLIED
    db.expire_all()
    assert inbox_repository.get(db, tenant.id, got.item_id).counts == {
        "applied": 0,
        "duplicate": 2,
        "quarantined": 0,
    }
    assert inbox_repository.count_staged(db, tenant.id, DOC) == 2


def test_a_bad_record_is_quarantined_naming_line_and_field(db, tenant, feed, clock, worker):
    got = receive(db, tenant, feed, clock, utr_csv(utr_line(1), utr_line(2, "-5.00"), utr_line(3)))
    assert worker.run_item(got.item_id) == InboxStatus.PARTIAL
    [(line, outcome, field, reason)] = records(db, tenant, got.item_id)
    assert (line, outcome, field) == (3, "quarantined", "amount")
    assert reason.startswith("mapping utr_feed.default: line 3, field amount:")
    assert inbox_repository.count_staged(db, tenant.id, DOC) == 2


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        ({"record_count": 3}, "control totals: 2 records, trailer declares 3"),
        ({"amount_total": "2000.01"}, "control totals: amounts sum to 2000.00, declared 2000.01"),
    ],
)
def test_a_file_whose_totals_disagree_is_rejected_whole(
    db, tenant, feed, clock, worker, declared, reason
):
    got = receive(db, tenant, feed, clock, utr_csv(utr_line(1), utr_line(2)), declared=declared)
    assert worker.run_item(got.item_id) == InboxStatus.REJECTED
    db.expire_all()
    assert inbox_repository.get(db, tenant.id, got.item_id).reason == reason
    assert records(db, tenant, got.item_id) == [(0, "quarantined", "(file)", reason)]
    assert inbox_repository.count_staged(db, tenant.id, DOC) == 0


def test_a_half_written_file_fails_its_totals_and_the_complete_one_is_then_taken(
    db, tenant, feed, clock, worker
):
    whole = utr_csv(utr_line(1), utr_line(2), utr_line(3))
    half = whole[: whole.index(b"\n", len(whole) // 2) + 1]
    cut = receive(db, tenant, feed, clock, half, declared={"record_count": 3})
    assert worker.run_item(cut.item_id) == InboxStatus.REJECTED
    full = receive(db, tenant, feed, clock, whole, declared={"record_count": 3})
    assert full.duplicate is False
    assert worker.run_item(full.item_id) == InboxStatus.APPLIED
    assert inbox_repository.count_staged(db, tenant.id, DOC) == 3


def test_corrupt_encoding_is_rejected_naming_line_and_offset(db, tenant, feed, clock, worker):
    data = (
        utr_csv(utr_line(1))
        + b"UTRN202400000009,10.00,05-04-2024,Caf\xe9 \xff,1,SANGAMVA0009,SUCCESS\n"
    )
    got = receive(db, tenant, feed, clock, data)
    assert worker.run_item(got.item_id) == InboxStatus.REJECTED
    db.expire_all()
    offset = data.index(b"\xe9")
    reason = f"corrupt encoding: line 3: byte 0xe9 at offset {offset} is not valid utf-8-sig"
    assert inbox_repository.get(db, tenant.id, got.item_id).reason == reason
    assert records(db, tenant, got.item_id) == [(3, "quarantined", "(encoding)", reason)]
    assert inbox_repository.count_staged(db, tenant.id, DOC) == 0


class Exploding(InboxHandler):
    def parse(self, session, ctx, data):
        raise RuntimeError("disk on fire")

    def apply(self, session, ctx, parsed):  # pragma: no cover - never reached
        return HandlerResult()


def test_a_failing_handler_leaves_the_item_failed_with_its_reason(db, tenant, feed, clock, factory):
    registry = HandlerRegistry()
    registry.register(KIND, "*", Exploding())
    got = receive(db, tenant, feed, clock, utr_csv(utr_line(1)))
    assert InboxWorker(factory, "w1", clock, handlers=registry).run_item(got.item_id) == "failed"
    db.expire_all()
    item = inbox_repository.get(db, tenant.id, got.item_id)
    assert (item.status, item.reason) == ("failed", "RuntimeError: disk on fire")


def test_an_item_without_a_handler_is_rejected_with_the_reason(db, tenant, feed, clock, factory):
    got = receive(db, tenant, feed, clock, utr_csv(utr_line(1)))
    assert (
        InboxWorker(factory, "w1", clock, handlers=HandlerRegistry()).run_item(got.item_id)
        == "rejected"
    )
    db.expire_all()
    assert (
        inbox_repository.get(db, tenant.id, got.item_id).reason
        == "no handler for (utr_feed, utr_csv)"
    )


def test_a_lease_keeps_others_out_until_it_expires(db, tenant, feed, clock, factory):
    got = receive(db, tenant, feed, clock, utr_csv(utr_line(1)))
    lease = inbox_repository.claim
    with factory() as s:
        assert (
            lease(s, worker="dead", now=clock(), lease_until=clock().replace(hour=10))
            == got.item_id
        )
        s.commit()
    other = InboxWorker(factory, "w2", clock, handlers=registry_with_utr())
    assert other.run_item(got.item_id) is None  # leased to "dead" until 10:00
    clock.advance(hours=2)
    assert other.run_item(got.item_id) == InboxStatus.APPLIED
    db.expire_all()
    assert inbox_repository.get(db, tenant.id, got.item_id).attempts == 2


def test_backslashes_and_quotes_survive_the_copy_into_staging(db, tenant, feed, clock, worker):
    line = utr_line(1).replace("Asha Traders", '"Asha \\ Sons\tLtd ""A"""')
    got = receive(db, tenant, feed, clock, utr_csv(line))
    assert worker.run_item(got.item_id) == InboxStatus.APPLIED
    [row] = inbox_repository.staged_records(db, tenant.id, DOC)
    assert row.canonical["remitter_name"] == 'Asha \\ Sons\tLtd "A"'
