"""SQL for ``Idempotency-Key`` records of our write APIs.

:func:`reserve` inserts the key with no response yet, committing at once in its own
short transaction, so a concurrent retry sees it "in flight"; :func:`complete` stores
the first response; :func:`release` forgets a key whose request failed, so the client
may retry it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from lms_core.persistence.platform.models import IdempotencyRecord


def _where(tenant_id: int, client: str, key: str):
    return (
        IdempotencyRecord.tenant_id == tenant_id,
        IdempotencyRecord.client == client,
        IdempotencyRecord.key == key,
    )


def reserve(session: Session, tenant_id: int, client: str, key: str, request_hash: str) -> bool:
    """Insert the key as in flight; return False if the key already exists."""
    stmt = (
        pg_insert(IdempotencyRecord)
        .values(tenant_id=tenant_id, client=client, key=key, request_hash=request_hash)
        .on_conflict_do_nothing()
        .returning(IdempotencyRecord.key)
    )
    return session.scalar(stmt) is not None


def get(session: Session, tenant_id: int, client: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(select(IdempotencyRecord).where(*_where(tenant_id, client, key)))


def complete(
    session: Session,
    tenant_id: int,
    client: str,
    key: str,
    status_code: int,
    body: Any,
) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(*_where(tenant_id, client, key))
        .values(status_code=status_code, response_body=body)
    )


def release(session: Session, tenant_id: int, client: str, key: str) -> None:
    session.execute(delete(IdempotencyRecord).where(*_where(tenant_id, client, key)))


def expire(session: Session, older_than: datetime) -> int:
    """Delete keys created before ``older_than``; return how many."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return result.rowcount


def reserve_many(
    session: Session, tenant_id: int, client: str, keys: list[str], hashes: list[str]
) -> set[str]:
    """Insert the (distinct) keys as in flight in one statement; return those inserted
    (a key that already exists is left alone and not returned)."""
    rows = session.execute(
        text(
            "insert into idempotency_record (tenant_id, client, key, request_hash) "
            "select :t, :c, k, h from unnest(cast(:keys as text[]), cast(:hashes as text[])) "
            "as u(k, h) on conflict do nothing returning key"
        ),
        {"t": tenant_id, "c": client, "keys": keys, "hashes": hashes},
    )
    return {r[0] for r in rows}


def complete_many(
    session: Session, tenant_id: int, client: str, responses: list[tuple[str, int, Any]]
) -> None:
    """Store (key, status code, body) for keys this transaction reserved, in one statement."""
    if responses:
        keys, codes, bodies = zip(*responses, strict=True)
        session.execute(
            text(
                "update idempotency_record r set status_code = u.code, response_body = u.body "
                "from unnest(cast(:keys as text[]), cast(:codes as int[]), "
                "cast(:bodies as jsonb[])) as u(key, code, body) "
                "where r.tenant_id = :t and r.client = :c and r.key = u.key"
            ),
            {
                "t": tenant_id,
                "c": client,
                "keys": list(keys),
                "codes": list(codes),
                "bodies": [json.dumps(b) for b in bodies],
            },
        )


def release_many(session: Session, tenant_id: int, client: str, keys: list[str]) -> None:
    if keys:
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == tenant_id,
                IdempotencyRecord.client == client,
                IdempotencyRecord.key.in_(keys),
            )
        )


def set_lock_timeout(session: Session, wait: str | None) -> None:
    """Bound how long this transaction waits for a row lock (``'2s'``); None: the default.

    A key reserved by a request still in flight holds its row lock; a retry waits this
    long, then fails with an OperationalError the caller turns into a 409.
    """
    if wait is None:
        session.execute(text("set local lock_timeout = default"))
    else:
        session.execute(text("select set_config('lock_timeout', :wait, true)"), {"wait": wait})
