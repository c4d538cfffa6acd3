"""The delivery worker: claim due messages, send them, record every attempt.

One round (:meth:`DeliveryWorker.run_once`): claim up to ``batch`` due messages with
SKIP LOCKED and a lease (committed at once), send them (``concurrency`` at a time over
one pooled client per counterpart), then write all attempts and new states in one
transaction. Outcomes:

* 2xx (or an SFTP drop completing): delivered.
* RetriableError (timeout, 408, 429, 5xx, link drop): next attempt per the counterpart's
  :class:`DeliveryPolicy`, never sooner than the peer's Retry-After; dead letter when
  the schedule is spent.
* FatalError: dead letter at once; a 410 Gone also disables the counterpart.

``clock`` supplies "now" for leases and schedules; ``rng`` the jitter (both injected).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.base import Connector
from connectors.sdk.transport.errors import FatalError, RetriableError
from connectors.sdk.transport.webhook_signing import signed_headers
from hub.integration import connector_metrics as metrics
from hub.integration.counterparts import Cipher, connector_for
from hub.integration.outbox.policy import DeliveryPolicy
from hub.integration.outbox.service import DeliveryChannel
from lms_core.integration.enums import AttemptOutcome, OutboundStatus
from lms_core.persistence.integration import counterpart_repository, outbox_repository
from lms_core.persistence.integration.models import Counterpart, OutboundMessage

log = logging.getLogger("sangam.outbox")
GONE = 410


@dataclass(frozen=True)
class _Sent:
    """The result of one send, before it is written."""

    message: OutboundMessage
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: BaseException | None


@dataclass
class DeliveryWorker:
    session_factory: sessionmaker[Session]
    cipher: Cipher
    worker_id: str
    clock: Callable[[], datetime]
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    batch: int = 50
    concurrency: int = 1
    lease: timedelta = timedelta(minutes=2)
    _connectors: dict[int, tuple[tuple, Connector]] = field(default_factory=dict)
    _counterparts: dict[int, Counterpart] = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None

    def run_once(self, tenant_id: int | None = None) -> int:
        """Deliver one batch of due messages; return how many were attempted."""
        messages = self._claim(tenant_id)
        if not messages:
            return 0
        if self.concurrency > 1:
            if self._pool is None:  # why: one pool for the worker's life, not one per round
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="deliver")
            results = list(self._pool.map(self._send, messages))
        else:
            results = [self._send(m) for m in messages]
        self._record(results)
        return len(results)

    def run_until_idle(self, tenant_id: int | None = None, max_rounds: int = 1000) -> int:
        """Run rounds until nothing is due; return the number of attempts made."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once(tenant_id)
            if not done:
                break
            total += done
        return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for _, connector in self._connectors.values():
            if hasattr(connector, "close"):
                connector.close()
        self._connectors.clear()

    def _claim(self, tenant_id: int | None) -> list[OutboundMessage]:
        now = self.clock()
        with self.session_factory() as session:
            messages = outbox_repository.claim_due(
                session,
                worker=self.worker_id,
                now=now,
                lease_until=now + self.lease,
                limit=self.batch,
                tenant_id=tenant_id,
            )
            for cid in {m.counterpart_id for m in messages}:
                self._counterparts[cid] = counterpart_repository.by_id(session, cid)
            session.expunge_all()  # why: plain objects after commit, whatever the factory
            session.commit()
        return messages

    def _connector(self, counterpart: Counterpart) -> Connector:
        version = (repr(counterpart.config), counterpart.secrets)
        cached = self._connectors.get(counterpart.id)
        if cached and cached[0] == version:
            return cached[1]
        if cached and hasattr(cached[1], "close"):
            cached[1].close()
        connector = connector_for(self.cipher, counterpart)
        self._connectors[counterpart.id] = (version, connector)
        return connector

    def _send(self, message: OutboundMessage) -> _Sent:
        started_at, started = self.clock(), time.perf_counter()
        status, error = None, None
        try:
            status = self._deliver(message)
        except Exception as exc:  # why: recorded per attempt below, never lost
            error = exc
        duration = int((time.perf_counter() - started) * 1000)
        return _Sent(message, started_at, duration, status, error)

    def _deliver(self, message: OutboundMessage) -> int | None:
        counterpart = self._counterparts[message.counterpart_id]
        connector = self._connector(counterpart)
        if message.channel == DeliveryChannel.SFTP:
            connector.drop(message.target, message.body)
            return None
        headers = {"content-type": message.content_type}
        if message.channel == DeliveryChannel.WEBHOOK:
            secret = connector.config.secret("webhook_secret")
            stamp = int(self.clock().timestamp())
            headers |= signed_headers(secret, message.message_key, stamp, message.body)
        else:
            headers["idempotency-key"] = message.message_key
        return connector.send(message.target, message.body, headers)

    def _record(self, results: list[_Sent]) -> None:
        attempts, updates, gone = [], [], set()
        for sent in results:
            attempt, update = self._outcome(sent)
            attempts.append(attempt)
            updates.append(update)
            if isinstance(sent.error, FatalError) and sent.error.status == GONE:
                gone.add(sent.message.counterpart_id)
        with self.session_factory() as session:
            outbox_repository.record_results(session, attempts, updates)
            for cid in gone:
                reason = "endpoint answered 410 Gone: disabled until an operator enables it"
                counterpart_repository.set_enabled(session, cid, False, reason)
            session.commit()

    def _outcome(self, sent: _Sent) -> tuple[dict[str, Any], dict[str, Any]]:
        message, error = sent.message, sent.error
        number = message.attempts + 1
        code = self._counterparts[message.counterpart_id].code
        update: dict[str, Any] = {"id": message.id, "worker": self.worker_id, "attempts": number}
        if error is None:
            outcome = AttemptOutcome.DELIVERED
            update |= {"status": OutboundStatus.DELIVERED, "delivered_at": self.clock()}
            update["last_error"] = None
            metrics.DELIVERED.labels(code).inc()
        else:
            outcome = self._failed(message, error, number, update)
            metrics.FAILED.labels(code, str(outcome)).inc()
        metrics.LATENCY.labels(code, "outbound").observe(sent.duration_ms / 1000)
        attempt = {
            "tenant_id": message.tenant_id,
            "message_id": message.id,
            "number": number,
            "started_at": sent.started_at,
            "duration_ms": sent.duration_ms,
            "status_code": sent.status_code or getattr(error, "status", None),
            "outcome": outcome,
            "error": _describe(error),
        }
        return attempt, update

    def _failed(
        self, message: OutboundMessage, error: BaseException, number: int, update: dict
    ) -> AttemptOutcome:
        update["last_error"] = _describe(error)
        delay = None
        if not isinstance(error, FatalError):
            policy = DeliveryPolicy.from_config(self._counterparts[message.counterpart_id].config)
            retry_after = getattr(error, "retry_after", None)
            delay = policy.next_delay(number, self.rng, retry_after)
        if delay is None:
            update["status"] = OutboundStatus.DEAD
            return AttemptOutcome.DEAD
        update["status"] = OutboundStatus.PENDING
        update["next_attempt_at"] = self.clock() + timedelta(seconds=delay)
        return AttemptOutcome.RETRY


def _describe(error: BaseException | None) -> str | None:
    if error is None:
        return None
    kind = "retriable" if isinstance(error, RetriableError) else "fatal"
    if not isinstance(error, RetriableError | FatalError):
        kind = "unexpected"
    return f"{kind}: {type(error).__name__}: {error}"[:2000]
