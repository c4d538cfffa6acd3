"""The inbox: store raw first, deduplicate, then process once with a lease.

:func:`receive` runs in the caller's transaction: it keeps the bytes (content-addressed),
inserts the item unless its dedupe key ``(tenant, source, external id or checksum)`` was
seen, and, only when new, enqueues its processing job in the same transaction. The key
is ``id:<external id>`` when the sender gives one (a webhook's event id), else
``sha256:<checksum>`` plus ``:<file name>`` for files (specs/files.md: checksum + name).

:class:`InboxWorker` claims an item (one short committed transaction), then applies it
in a second transaction that holds the row lock: handler effects, per-record outcomes
and the final status commit together. A worker killed mid-apply loses its transaction;
the lease expires and another worker retakes the item from the start.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.integration import connector_metrics as metrics
from hub.integration.inbox.handlers import (
    HandlerRegistry,
    HandlerResult,
    ItemContext,
    load_handlers,
)
from hub.platform.errors import Conflict, NotFound
from lms_core.integration.enums import Channel, InboxStatus
from lms_core.persistence.integration import counterpart_repository, inbox_repository
from lms_core.persistence.integration.models import InboxItem
from lms_core.persistence.platform import job_repository

log = logging.getLogger("sangam.inbox")
PROCESS_TASK = "sangam:inbox_process"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Received:
    item_id: int
    duplicate: bool
    status: str


def dedupe_key(channel: Channel, sha256: str, external_id: str | None, filename: str | None) -> str:
    if external_id:
        return f"id:{external_id}"
    if channel is Channel.FILE and filename:
        return f"sha256:{sha256}:{filename}"
    return f"sha256:{sha256}"


def receive(
    session: Session,
    *,
    tenant_id: int,
    channel: Channel,
    source: str,
    document_kind: str,
    data: bytes,
    now: datetime,
    counterpart_id: int | None = None,
    external_id: str | None = None,
    filename: str | None = None,
    headers: Mapping[str, Any] | None = None,
    declared: Mapping[str, Any] | None = None,
    refs: Mapping[str, str] | None = None,
    enqueue: bool = True,
) -> Received:
    """Store ``data`` raw and return the item; a duplicate returns the first item's id."""
    sha = hashlib.sha256(data).hexdigest()
    key = dedupe_key(channel, sha, external_id, filename)
    inbox_repository.store_blob(session, tenant_id, sha, data)
    item_id = inbox_repository.insert_item(
        session,
        tenant_id=tenant_id,
        channel=str(channel),
        source=source,
        counterpart_id=counterpart_id,
        document_kind=document_kind,
        external_id=external_id,
        dedupe_key=key,
        sha256=sha,
        size=len(data),
        filename=filename,
        headers=dict(headers) if headers else None,
        declared=dict(declared) if declared else None,
        refs=dict(refs) if refs else None,
        status=InboxStatus.RECEIVED,
        received_at=now,
    )
    if item_id is None:
        first = inbox_repository.by_dedupe_key(session, tenant_id, source, key)
        metrics.DUPLICATES.labels(source).inc()
        return Received(first.id, True, first.status)
    if enqueue:
        _defer(session, tenant_id, item_id)
    metrics.RECEIVED.labels(source, str(channel)).inc()
    return Received(item_id, False, InboxStatus.RECEIVED)


def record_rejected(
    session: Session,
    *,
    tenant_id: int,
    channel: Channel,
    source: str,
    data: bytes,
    reason: str,
    now: datetime,
    headers: Mapping[str, Any] | None = None,
    counterpart_id: int | None = None,
) -> int | None:
    """Keep a refused delivery (e.g. bad signature) for operators; never processed.

    Returns its id, or None if the very same bytes were refused before.
    """
    sha = hashlib.sha256(data).hexdigest()
    inbox_repository.store_blob(session, tenant_id, sha, data)
    metrics.FAILED.labels(source, "rejected").inc()
    return inbox_repository.insert_item(
        session,
        tenant_id=tenant_id,
        channel=str(channel),
        source=source,
        counterpart_id=counterpart_id,
        document_kind="rejected",
        dedupe_key=f"rejected:{sha}",
        sha256=sha,
        size=len(data),
        headers=dict(headers) if headers else None,
        status=InboxStatus.REJECTED,
        reason=reason,
        received_at=now,
        processed_at=now,
    )


def reprocess(session: Session, tenant_id: int, item_id: int) -> None:
    """Queue a finished item again (safe: handlers apply by natural key, never twice).

    Raises NotFound, or Conflict while a worker holds the item or if it was refused at
    the door (bad signature): those bytes are not ours to apply.
    """
    item = inbox_repository.get(session, tenant_id, item_id)
    if item is None:
        raise NotFound(f"no inbox item {item_id}")
    if item.document_kind == "rejected":
        raise Conflict(f"inbox item {item_id} was refused on receipt: {item.reason}")
    if not inbox_repository.reset_for_reprocess(session, tenant_id, item_id):
        raise Conflict(f"inbox item {item_id} is being processed")
    _defer(session, tenant_id, item_id)


def _defer(session: Session, tenant_id: int, item_id: int) -> None:
    args = {"item_id": item_id, "tenant_id": tenant_id}
    job_repository.defer(session, PROCESS_TASK, args, queue="inbox")


@dataclass
class InboxWorker:
    """Claims and applies inbox items; ``clock`` gives the time used for leases."""

    session_factory: sessionmaker[Session]
    worker_id: str
    clock: Clock
    handlers: HandlerRegistry = field(default_factory=load_handlers)  # every module's
    lease: timedelta = timedelta(minutes=10)
    max_attempts: int = 5

    def run_item(self, item_id: int) -> str | None:
        """Process one item if claimable; return its final status or None if not taken."""
        return self._run(self._claim(item_id=item_id))

    def run_pending(self, limit: int = 100, tenant_id: int | None = None) -> int:
        """Process claimable items until none is left or ``limit``; return how many."""
        done = 0
        while done < limit:
            item_id = self._claim(tenant_id=tenant_id)
            if item_id is None:
                break
            self._run(item_id)
            done += 1
        return done

    def _claim(self, **which: Any) -> int | None:
        now = self.clock()
        with self.session_factory() as session:
            item_id = inbox_repository.claim(
                session, worker=self.worker_id, now=now, lease_until=now + self.lease, **which
            )
            session.commit()
        return item_id

    def _run(self, item_id: int | None) -> str | None:
        if item_id is None:
            return None
        try:
            return self._apply(item_id)
        except Exception as exc:  # why: any handler failure must end visible, not stuck
            log.exception("inbox item %s failed", item_id)
            return self._fail(item_id, f"{type(exc).__name__}: {exc}")

    def _apply(self, item_id: int) -> str | None:
        started = time.perf_counter()
        with self.session_factory() as session:
            item = inbox_repository.lock_for_apply(session, item_id, self.worker_id)
            if item is None:
                return None  # lease lost to another worker: theirs now
            source = item.source
            if item.attempts > self.max_attempts:
                reason = f"gave up after {self.max_attempts} attempts (worker lost each time)"
                return self._finish(
                    session, item, HandlerResult(rejected=reason), InboxStatus.FAILED
                )
            result = self._handle(session, item)
            status = _status_of(result)
            self._finish(session, item, result, status)
        metrics.observe(source, result, time.perf_counter() - started)
        return status

    def _handle(self, session: Session, item: InboxItem) -> HandlerResult:
        kind = _counterpart_kind(session, item)
        handler = self.handlers.find(kind, item.document_kind)
        if handler is None:
            return HandlerResult(rejected=f"no handler for ({kind}, {item.document_kind})")
        data = inbox_repository.blob_data(session, item.tenant_id, item.sha256)
        ctx = ItemContext(
            tenant_id=item.tenant_id,
            item_id=item.id,
            source=item.source,
            counterpart_kind=kind,
            document_kind=item.document_kind,
            sha256=item.sha256,
            filename=item.filename,
            declared=item.declared or {},
            headers=item.headers or {},
        )
        return handler.handle(session, ctx, data)

    def _finish(self, session: Session, item: InboxItem, result: HandlerResult, status: str) -> str:
        rows = [o.row() for o in result.outcomes]
        inbox_repository.replace_outcomes(session, item.tenant_id, item.id, rows)
        inbox_repository.finish(
            session,
            item.id,
            status=status,
            reason=result.rejected,
            counts=result.counts(),
            now=self.clock(),
        )
        session.commit()
        return status

    def _fail(self, item_id: int, reason: str) -> str | None:
        with self.session_factory() as session:
            item = inbox_repository.lock_for_apply(session, item_id, self.worker_id)
            if item is None:
                return None
            metrics.FAILED.labels(item.source, "error").inc()
            return self._finish(session, item, HandlerResult(rejected=reason), InboxStatus.FAILED)


def _status_of(result: HandlerResult) -> InboxStatus:
    if result.rejected:
        return InboxStatus.REJECTED
    return InboxStatus.PARTIAL if result.quarantined else InboxStatus.APPLIED


def _counterpart_kind(session: Session, item: InboxItem) -> str:
    if item.counterpart_id is None:
        return item.source
    row = counterpart_repository.by_id(session, item.counterpart_id)
    return row.kind if row else item.source


def wall_clock() -> datetime:
    """The production clock for leases and delivery timing (never for business dates)."""
    return datetime.now(UTC)
