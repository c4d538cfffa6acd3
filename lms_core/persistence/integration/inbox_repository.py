"""SQL for the inbox: raw blobs, items, claiming with a lease, outcomes, staged records.

Claiming is one statement: ``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)``,
so any number of workers on any number of hosts each get a different item, and an item
whose lease expired (its worker died) is claimable again. While a worker applies an item
it holds the row lock (:func:`lock_for_apply`), so even a slow worker past its lease is
never joined by a second one; a dead worker's connection drops and releases the lock.

Staging uses COPY into a temporary table, then one ``INSERT ... ON CONFLICT DO NOTHING``
into ``inbound_record``: the unique natural key makes re-applying a file a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from lms_core.integration.enums import InboxStatus
from lms_core.persistence.integration.models import (
    InboundRecord,
    InboxBlob,
    InboxItem,
    InboxRecordOutcome,
)

OUTCOME_COLUMNS = ("line", "outcome", "record_key", "field", "reason")


def store_blob(session: Session, tenant_id: int, sha256: str, data: bytes) -> None:
    """Keep ``data`` under its checksum (a second copy of the same bytes is not stored)."""
    stmt = pg_insert(InboxBlob).values(
        tenant_id=tenant_id, sha256=sha256, size=len(data), data=data
    )
    session.execute(stmt.on_conflict_do_nothing())


def blob_data(session: Session, tenant_id: int, sha256: str) -> bytes | None:
    return session.scalar(
        select(InboxBlob.data).where(InboxBlob.tenant_id == tenant_id, InboxBlob.sha256 == sha256)
    )


def insert_item(session: Session, **values: Any) -> int | None:
    """Insert an inbox item; return its id, or None when its dedupe key was seen before."""
    stmt = (
        pg_insert(InboxItem)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "source", "dedupe_key"])
        .returning(InboxItem.id)
    )
    return session.scalar(stmt)


def by_dedupe_key(session: Session, tenant_id: int, source: str, key: str) -> InboxItem | None:
    return session.scalar(
        select(InboxItem).where(
            InboxItem.tenant_id == tenant_id,
            InboxItem.source == source,
            InboxItem.dedupe_key == key,
        )
    )


def get(session: Session, tenant_id: int, item_id: int) -> InboxItem | None:
    return session.scalar(
        select(InboxItem).where(InboxItem.tenant_id == tenant_id, InboxItem.id == item_id)
    )


def list_items(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[InboxItem]:
    stmt = select(InboxItem).where(InboxItem.tenant_id == tenant_id)
    if status:
        stmt = stmt.where(InboxItem.status == status)
    if source:
        stmt = stmt.where(InboxItem.source == source)
    return list(session.scalars(stmt.order_by(InboxItem.id.desc()).limit(limit).offset(offset)))


_CLAIMABLE = """
    (status = 'received' or (status = 'processing' and lease_expires_at < :now))
"""

_CLAIM = f"""
update inbox_item set status = 'processing', lease_owner = :worker,
       lease_expires_at = :lease_until, attempts = attempts + 1
 where id = (select id from inbox_item
              where {_CLAIMABLE} {{extra}}
              order by id limit 1 for update skip locked)
returning id
"""


def claim(
    session: Session,
    *,
    worker: str,
    now: datetime,
    lease_until: datetime,
    item_id: int | None = None,
    tenant_id: int | None = None,
) -> int | None:
    """Claim one claimable item (that one, if ``item_id``); return its id or None."""
    extra, params = "", {"worker": worker, "now": now, "lease_until": lease_until}
    if item_id is not None:
        extra, params["item_id"] = "and id = :item_id", item_id
    elif tenant_id is not None:
        extra, params["tenant_id"] = "and tenant_id = :tenant_id", tenant_id
    return session.scalar(text(_CLAIM.format(extra=extra)), params)


def lock_for_apply(session: Session, item_id: int, worker: str) -> InboxItem | None:
    """Lock the item for this transaction if ``worker`` still holds its lease.

    Waits for the row lock rather than skipping: another worker's claim query can hold
    it for an instant (FOR UPDATE SKIP LOCKED locks a row before re-checking that it is
    still claimable), and skipping then would abandon an item this worker owns. The
    lease owner check is what keeps two workers from applying one item.
    """
    return session.scalar(
        select(InboxItem)
        .where(InboxItem.id == item_id, InboxItem.lease_owner == worker)
        .where(InboxItem.status == InboxStatus.PROCESSING)
        .with_for_update()
    )


def finish(
    session: Session,
    item_id: int,
    *,
    status: str,
    reason: str | None,
    counts: dict[str, int] | None,
    now: datetime,
) -> None:
    session.execute(
        update(InboxItem)
        .where(InboxItem.id == item_id)
        .values(
            status=status,
            reason=reason,
            counts=counts,
            processed_at=now,
            lease_owner=None,
            lease_expires_at=None,
        )
    )


def reset_for_reprocess(session: Session, tenant_id: int, item_id: int) -> bool:
    """Put a finished item back in the queue; False if it is being processed or unknown."""
    result = session.execute(
        update(InboxItem)
        .where(InboxItem.tenant_id == tenant_id, InboxItem.id == item_id)
        .where(InboxItem.status != InboxStatus.PROCESSING)
        .values(status=InboxStatus.RECEIVED, reason=None, attempts=0, lease_owner=None)
    )
    return result.rowcount == 1


def replace_outcomes(
    session: Session, tenant_id: int, item_id: int, outcomes: Sequence[tuple]
) -> None:
    """Replace the item's recorded outcomes with ``outcomes`` (OUTCOME_COLUMNS tuples)."""
    session.execute(
        text("delete from inbox_record_outcome where inbox_item_id = :i"), {"i": item_id}
    )
    if outcomes:
        rows = [
            {
                "tenant_id": tenant_id,
                "inbox_item_id": item_id,
                **dict(zip(OUTCOME_COLUMNS, o, strict=True)),
            }
            for o in outcomes
        ]
        session.execute(insert(InboxRecordOutcome), rows)


def outcomes(
    session: Session, tenant_id: int, item_id: int, *, limit: int = 500, offset: int = 0
) -> list[InboxRecordOutcome]:
    stmt = (
        select(InboxRecordOutcome)
        .where(InboxRecordOutcome.tenant_id == tenant_id)
        .where(InboxRecordOutcome.inbox_item_id == item_id)
        .order_by(InboxRecordOutcome.line, InboxRecordOutcome.id)
    )
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def copy_to_staging(session: Session, rows: Iterable[tuple[int, str, str]]) -> int:
    """COPY ``(line, record_key, canonical json)`` rows into this transaction's staging
    table (emptied first); return how many were written."""
    session.execute(
        text(
            "create temp table if not exists hub_staging "
            "(line bigint, record_key text, canonical jsonb) on commit drop"
        )
    )
    session.execute(text("truncate hub_staging"))
    cursor = session.connection().connection.driver_connection.cursor()
    written, chunk = 0, []
    with cursor.copy("copy hub_staging (line, record_key, canonical) from stdin") as copy:
        for line, key, canonical in rows:
            chunk.append(f"{line}\t{_copy_text(key)}\t{_copy_text(canonical)}\n")
            if len(chunk) == _COPY_CHUNK:
                copy.write("".join(chunk).encode())
                written, chunk = written + len(chunk), []
        if chunk:
            copy.write("".join(chunk).encode())
            written += len(chunk)
    return written


_COPY_CHUNK = 5000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """Escape ``value`` for COPY's text format (backslash, tab, newline, return)."""
    return (
        value.translate(_COPY_ESCAPES)
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value
        else value
    )


def apply_staging(
    session: Session, tenant_id: int, item_id: int, document_kind: str
) -> list[tuple[int, str]]:
    """Move staged rows into ``inbound_record``; return ``(line, key)`` of those skipped
    because their key was applied before (by any item, or earlier in this file)."""
    rows = session.execute(
        text(
            "with ins as (insert into inbound_record "
            " (tenant_id, inbox_item_id, document_kind, record_key, line, canonical) "
            " select :t, :i, :k, record_key, line, canonical from hub_staging order by line "
            " on conflict (tenant_id, document_kind, record_key) do nothing returning line) "
            "select s.line, s.record_key from hub_staging s "
            "where not exists (select 1 from ins where ins.line = s.line) order by s.line"
        ),
        {"t": tenant_id, "i": item_id, "k": document_kind},
    )
    return [(line, key) for line, key in rows]


def first_applied(
    session: Session, tenant_id: int, document_kind: str, keys: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Return ``key -> (inbox item, line)`` that applied each of ``keys``."""
    rows = session.execute(
        select(InboundRecord.record_key, InboundRecord.inbox_item_id, InboundRecord.line).where(
            InboundRecord.tenant_id == tenant_id,
            InboundRecord.document_kind == document_kind,
            InboundRecord.record_key.in_(list(keys)),
        )
    )
    return {key: (item, line) for key, item, line in rows}


def staged_records(
    session: Session, tenant_id: int, document_kind: str, *, item_id: int | None = None
) -> list[InboundRecord]:
    stmt = select(InboundRecord).where(
        InboundRecord.tenant_id == tenant_id, InboundRecord.document_kind == document_kind
    )
    if item_id is not None:
        stmt = stmt.where(InboundRecord.inbox_item_id == item_id)
    return list(session.scalars(stmt.order_by(InboundRecord.id)))


def count_staged(session: Session, tenant_id: int, document_kind: str) -> int:
    return session.scalar(
        select(func.count()).where(
            InboundRecord.tenant_id == tenant_id, InboundRecord.document_kind == document_kind
        )
    )


def referencing(session: Session, tenant_id: int, refs: dict[str, str]) -> list[InboxItem]:
    """Items whose ``refs`` contain ``refs`` (e.g. ``{"loan": "42"}``), oldest first."""
    stmt = select(InboxItem).where(InboxItem.tenant_id == tenant_id)
    stmt = stmt.where(InboxItem.refs.contains(refs))
    return list(session.scalars(stmt.order_by(InboxItem.received_at)))


def backlog(session: Session, tenant_id: int | None = None) -> dict[str, int]:
    """Items waiting or in progress, per source (for the backlog gauge)."""
    stmt = select(InboxItem.source, func.count()).where(
        InboxItem.status.in_([InboxStatus.RECEIVED, InboxStatus.PROCESSING])
    )
    if tenant_id is not None:
        stmt = stmt.where(InboxItem.tenant_id == tenant_id)
    rows = session.execute(stmt.group_by(InboxItem.source))
    return {source: n for source, n in rows}


def count_by_status(session: Session, tenant_id: int) -> dict[str, int]:
    """Inbox items per status for one tenant (statuses with none are absent)."""
    stmt = (
        select(InboxItem.status, func.count())
        .where(InboxItem.tenant_id == tenant_id)
        .group_by(InboxItem.status)
    )
    return {status: n for status, n in session.execute(stmt)}


def filenames_since(
    session: Session, tenant_id: int, counterpart_id: int, since: datetime
) -> list[str]:
    """Return the names of files received from a counterpart at or after ``since``."""
    rows = session.scalars(
        select(InboxItem.filename).where(
            InboxItem.tenant_id == tenant_id,
            InboxItem.counterpart_id == counterpart_id,
            InboxItem.received_at >= since,
            InboxItem.filename.is_not(None),
        )
    )
    return [name for name in rows if name]
