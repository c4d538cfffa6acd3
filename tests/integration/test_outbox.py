"""Outbox delivery against a real HTTP sandbox on loopback, with an injected clock.

The partner is a FastAPI app that records what it receives and verifies Standard
Webhooks signatures; FaultInjector makes it answer 500, 429 or slowly on demand.
Counterpart schedule in these tests: immediately, 5 s, 60 s (three attempts), 10% jitter.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI, Request, Response

from connectors.sdk.sandbox.http_app import FaultInjector, SandboxServer
from connectors.sdk.transport import webhook_signing
from hub.integration import counterparts as cp
from hub.integration.outbox import service as outbox
from hub.integration.outbox.service import DeliveryChannel
from hub.integration.outbox.worker import DeliveryWorker
from lms_core.persistence.integration import counterpart_repository, outbox_repository

SECRET = webhook_signing.generate_secret()


class Partner:
    def __init__(self) -> None:
        self.received: list[tuple[str, bytes, dict]] = []
        self.app = FastAPI()
        self.gone = False

        @self.app.post("/{path:path}")
        async def take(path: str, request: Request) -> Response:
            body = await request.body()
            self.received.append((path, body, dict(request.headers)))
            return Response(status_code=410 if path == "gone" else 200)


@pytest.fixture(scope="module")
def partner() -> Iterator[tuple[Partner, FaultInjector, SandboxServer]]:
    p = Partner()
    faults = FaultInjector(p.app)
    with SandboxServer(faults) as server:
        yield p, faults, server


@pytest.fixture
def peer(partner):
    p, faults, server = partner
    p.received.clear()
    faults.clear()
    return p, faults, server


@pytest.fixture
def bank(db, tenant, cipher, peer):
    config = {"base_url": peer[2].base_url, "timeout_s": 0.3, "retry_schedule_s": [0, 5, 60]}
    return cp.register(
        db,
        cipher,
        tenant.id,
        "hdfc_colending",
        kind="partner_bank",
        connector="http_post",
        config=config,
        secrets={"webhook_secret": SECRET},
    )


@pytest.fixture
def worker(factory, cipher, clock) -> Iterator[DeliveryWorker]:
    w = DeliveryWorker(factory, cipher, "d1", clock, rng=random.Random(7))
    yield w
    w.close()


def send(db, bank, clock, body=None, **kw):
    kw.setdefault("channel", DeliveryChannel.WEBHOOK)
    kw.setdefault("target", "/events")
    return outbox.enqueue(
        db, bank, event_type="loan.booked", body=body or {"loan": 42}, now=clock(), **kw
    )


def attempts(db, tenant, mid):
    return [
        (a.number, a.status_code, a.outcome) for a in outbox_repository.attempts(db, tenant.id, mid)
    ]


def message(db, tenant, mid):
    db.expire_all()
    return outbox_repository.get(db, tenant.id, mid)


def test_a_webhook_is_delivered_signed_and_the_attempt_recorded(
    db, tenant, bank, clock, worker, peer
):
    mid = send(db, bank, clock, message_key="msg_0001")
    assert worker.run_once() == 1
    [(path, body, headers)] = peer[0].received
    assert (path, body) == ("events", b'{"loan": 42}')
    assert webhook_signing.verify(SECRET, headers, body, now=clock().timestamp()) == "msg_0001"
    assert message(db, tenant, mid).status == "delivered"
    assert attempts(db, tenant, mid) == [(1, 200, "delivered")]


def test_enqueue_is_part_of_the_callers_transaction(db, tenant, bank, clock):
    savepoint = db.begin_nested()
    mid = send(db, bank, clock)
    savepoint.rollback()
    assert outbox_repository.get(db, tenant.id, mid) is None


def test_the_same_message_key_is_enqueued_once(db, tenant, bank, clock):
    assert send(db, bank, clock, message_key="k1") == send(db, bank, clock, message_key="k1")


def test_500_is_retried_after_the_scheduled_backoff(db, tenant, bank, clock, worker, peer):
    peer[1].fail_next(1, status=500)
    mid = send(db, bank, clock)
    worker.run_once()
    m = message(db, tenant, mid)
    assert m.status == "pending" and "HTTP 500" in m.last_error
    wait = (m.next_attempt_at - clock()).total_seconds()
    assert 4.5 <= wait <= 5.5  # 5 s +/- 10% jitter
    assert worker.run_once() == 0  # not due yet
    clock.advance(seconds=6)
    assert worker.run_once() == 1
    assert attempts(db, tenant, mid) == [(1, 500, "retry"), (2, 200, "delivered")]


def test_429_retry_after_is_honoured(db, tenant, bank, clock, worker, peer):
    peer[1].throttle_next(1, retry_after_s=120)
    mid = send(db, bank, clock)
    worker.run_once()
    m = message(db, tenant, mid)
    assert m.next_attempt_at - clock() == timedelta(seconds=120)
    assert attempts(db, tenant, mid) == [(1, 429, "retry")]


def test_a_timeout_is_retried(db, tenant, bank, clock, worker, peer):
    peer[1].delay_next(1, 1.0)
    mid = send(db, bank, clock)
    worker.run_once()
    m = message(db, tenant, mid)
    assert m.status == "pending" and m.last_error.startswith(
        "retriable: RetriableError: [hdfc_colending] timeout"
    )


def test_dead_letter_after_the_policy_then_operator_replay(db, tenant, bank, clock, worker, peer):
    peer[1].fail_next(3, status=503)
    mid = send(db, bank, clock)
    for _ in range(3):
        worker.run_once()
        clock.advance(seconds=70)
    assert message(db, tenant, mid).status == "dead"
    assert [m.id for m in outbox_repository.list_messages(db, tenant.id, status="dead")] == [mid]
    outbox.replay_one(db, tenant.id, mid, clock())
    assert worker.run_once() == 1
    assert message(db, tenant, mid).status == "delivered"
    assert [a[2] for a in attempts(db, tenant, mid)] == ["retry", "retry", "dead", "delivered"]


def test_410_dead_letters_and_disables_the_endpoint(db, tenant, bank, clock, worker, peer):
    gone = send(db, bank, clock, target="/gone")
    later = send(db, bank, clock)
    worker.batch = 1
    worker.run_once()
    assert message(db, tenant, gone).status == "dead"
    db.expire_all()
    row = counterpart_repository.by_id(db, bank.id)
    assert (row.enabled, row.disabled_reason) == (
        False,
        "endpoint answered 410 Gone: disabled until an operator enables it",
    )
    assert worker.run_once() == 0
    assert message(db, tenant, later).status == "pending"


def test_an_ordered_key_never_overtakes(db, tenant, bank, clock, worker, peer):
    peer[1].fail_next(1, status=500)
    first = send(db, bank, clock, body={"n": 1}, ordering_key="loan-42")
    second = send(db, bank, clock, body={"n": 2}, ordering_key="loan-42")
    other = send(db, bank, clock, body={"n": 3}, ordering_key="loan-43")
    worker.run_once()
    assert message(db, tenant, second).attempts == 0  # held behind the failed first
    assert message(db, tenant, other).status == "delivered"
    clock.advance(seconds=6)
    worker.run_once()
    worker.run_once()
    bodies = [b for _, b, _ in peer[0].received]
    assert bodies == [b'{"n": 3}', b'{"n": 1}', b'{"n": 2}']
    assert {message(db, tenant, m).status for m in (first, second)} == {"delivered"}


def test_plain_http_carries_the_idempotency_key(db, tenant, bank, clock, worker, peer):
    send(db, bank, clock, channel=DeliveryChannel.HTTP, message_key="pay-7")
    worker.run_once()
    [(_, _, headers)] = peer[0].received
    assert headers["idempotency-key"] == "pay-7" and "webhook-signature" not in headers
