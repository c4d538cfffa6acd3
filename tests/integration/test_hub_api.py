"""Hub operations API: inbound items with per-record outcomes, raw download, reprocess;
outbound messages with attempts, dead letters, replay; health, jobs, timeline, metrics."""

from __future__ import annotations

import random

import pytest

from hub.integration import counterparts as cp
from hub.integration.inbox import service as inbox
from hub.integration.inbox.service import InboxWorker
from hub.integration.outbox import service as outbox
from hub.integration.outbox.service import DeliveryChannel
from hub.integration.outbox.worker import DeliveryWorker
from hub.platform.auth.permissions import Role
from lms_core.integration.enums import Channel
from lms_core.persistence.platform import audit_repository
from tests.integration.helpers import DOC, KIND, registry_with_utr, utr_csv, utr_line
from tests.support.factories import auth_header, make_user


@pytest.fixture
def cipher_(settings):
    return cp.Cipher(settings.encryption_key_value())


@pytest.fixture
def scene(db, tenant, app, factory, clock, cipher_):
    """A processed UTR file with one bad line, and a dead outbound message, both about loan 42."""
    app.state.hub_clock = clock
    feed = cp.register(
        db,
        cipher_,
        tenant.id,
        "sbi_utr",
        kind=KIND,
        connector="sftp_drop",
        config={"host": "h", "username": "u", "host_key_fingerprint": "SHA256:x"},
    )
    data = utr_csv(utr_line(1), utr_line(2, "abc"))
    got = inbox.receive(
        db,
        tenant_id=tenant.id,
        channel=Channel.FILE,
        source="sbi_utr",
        counterpart_id=feed.id,
        document_kind=DOC,
        data=data,
        filename="u.csv",
        refs={"loan": "42"},
        now=clock(),
    )
    InboxWorker(factory, "w", clock, handlers=registry_with_utr()).run_item(got.item_id)
    partner = cp.register(
        db,
        cipher_,
        tenant.id,
        "partner",
        kind="partner_bank",
        connector="http_post",
        config={"base_url": "http://127.0.0.1:9", "retry_schedule_s": [0]},
    )
    mid = outbox.enqueue(
        db,
        partner,
        event_type="loan.booked",
        body={"loan": 42},
        channel=DeliveryChannel.HTTP,
        target="/b",
        refs={"loan": "42"},
        now=clock(),
    )
    worker = DeliveryWorker(factory, cipher_, "d", clock, rng=random.Random(1))
    worker.run_once()
    worker.close()
    return {"item": got.item_id, "message": mid, "data": data}


def test_inbound_items_show_per_record_outcomes_and_raw_bytes(client, tenant, admin, scene):
    h = auth_header(admin, tenant)
    [listed] = client.get("/api/v1/hub/inbox", headers=h).json()
    assert (listed["id"], listed["status"], listed["counts"]) == (
        scene["item"],
        "partial",
        {"applied": 1, "duplicate": 0, "quarantined": 1},
    )
    detail = client.get(f"/api/v1/hub/inbox/{scene['item']}", headers=h).json()
    [record] = detail["records"]
    assert (record["line"], record["outcome"], record["field"]) == (3, "quarantined", "amount")
    raw = client.get(f"/api/v1/hub/inbox/{scene['item']}/raw", headers=h)
    assert raw.content == scene["data"]
    assert raw.headers["content-disposition"] == f'attachment; filename="inbox-{scene["item"]}.bin"'
    assert client.get("/api/v1/hub/inbox/999999", headers=h).status_code == 404


def test_reprocess_is_audited_and_refused_for_a_reader(client, db, tenant, admin, scene):
    auditor = make_user(db, tenant, roles=(Role.AUDITOR,))
    url = f"/api/v1/hub/inbox/{scene['item']}/reprocess"
    assert client.post(url, headers=auth_header(auditor, tenant)).status_code == 403
    assert client.post(url, headers=auth_header(admin, tenant)).status_code == 202
    [entry] = audit_repository.entries(db, tenant.id, entity_type="inbox_item")
    assert (entry.action, entry.entity_id) == ("inbox.reprocess", str(scene["item"]))


def test_dead_letters_show_attempts_and_replay_is_audited(client, db, tenant, admin, scene, clock):
    h = auth_header(admin, tenant)
    [dead] = client.get("/api/v1/hub/dead-letters", headers=h).json()
    assert dead["id"] == scene["message"] and dead["last_error"].startswith("retriable:")
    [attempt] = client.get(f"/api/v1/hub/outbox/{dead['id']}", headers=h).json()["attempts"]
    assert (attempt["number"], attempt["outcome"]) == (1, "dead")
    replayed = client.post(f"/api/v1/hub/outbox/{dead['id']}/replay", headers=h)
    assert replayed.json() == {"replayed": [dead["id"]]}
    assert client.post(f"/api/v1/hub/outbox/{dead['id']}/replay", headers=h).status_code == 404
    assert (
        client.get("/api/v1/hub/outbox", params={"status": "pending"}, headers=h).json()[0]["id"]
        == dead["id"]
    )
    actions = [
        e.action for e in audit_repository.entries(db, tenant.id, entity_type="outbound_message")
    ]
    assert actions == ["outbox.replay"]


def test_replay_a_time_range(client, db, tenant, admin, scene):
    h = auth_header(admin, tenant)
    created = client.get("/api/v1/hub/dead-letters", headers=h).json()[0]["created_at"]
    window = {"created_from": created, "created_to": "2999-01-01T00:00:00Z"}
    assert client.post("/api/v1/hub/outbox/replay", json=window, headers=h).json() == {
        "replayed": [scene["message"]]
    }
    [entry] = audit_repository.entries(db, tenant.id, entity_type="outbound_message")
    assert entry.action == "outbox.replay_range" and entry.after["ids"] == [scene["message"]]


def test_health_timeline_jobs_and_metrics(client, tenant, admin, scene):
    h = auth_header(admin, tenant)
    health = {c["code"]: c for c in client.get("/api/v1/hub/health", headers=h).json()}
    assert health["partner"]["outbound_backlog"] == 0 and health["sbi_utr"]["enabled"]
    timeline = client.get("/api/v1/timeline/loan/42", headers=h).json()
    assert [(e["direction"], e["kind"], e["status"]) for e in timeline] == [
        ("inbound", DOC, "partial"),
        ("outbound", "loan.booked", "dead"),
    ]
    jobs = client.get("/api/v1/hub/jobs", headers=h).json()
    assert (
        jobs[0]["task_name"] == "sangam:inbox_process"
        and jobs[0]["args"]["item_id"] == scene["item"]
    )
    metrics = client.get("/metrics").text
    assert 'sangam_hub_records_quarantined_total{source="sbi_utr"}' in metrics
    assert 'sangam_hub_failed_total{reason="dead",source="partner"}' in metrics
    assert 'sangam_hub_processing_seconds_count{direction="outbound",source="partner"}' in metrics
