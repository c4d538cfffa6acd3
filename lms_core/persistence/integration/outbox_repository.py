"""SQL for the outbox: enqueue, claim due messages, record attempts, dead letters, replay.

:func:`claim_due` takes due messages with ``FOR UPDATE SKIP LOCKED`` so several delivery
workers never send the same message at once. A message with an ``ordering_key`` is only
due when no earlier message of the same counterpart and key is still undelivered (a dead
one blocks its successors until an operator replays it): message N+1 never overtakes N.
Messages of a disabled counterpart (410 Gone) are not claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from lms_core.integration.enums import OutboundStatus
from lms_core.persistence.integration.models import OutboundAttempt, OutboundMessage


def add(session: Session, **values: Any) -> int | None:
    """Insert a message; return its id, or None if its ``message_key`` exists already."""
    stmt = (
        pg_insert(OutboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "message_key"])
        .returning(OutboundMessage.id)
    )
    return session.scalar(stmt)


# why a materialized CTE: with ``where m.id in (select ... limit n for update skip locked)``
# the planner may rescan the subquery and claim more than ``n`` rows (seen in CI: a batch
# of 1 delivered two messages); a materialized CTE runs exactly once.
_CLAIM_DUE = """
with due as materialized (
   select c.id from outbound_message c
     join counterpart cp on cp.id = c.counterpart_id and cp.enabled
    where (c.status = 'pending' and c.next_attempt_at <= :now
           or c.status = 'delivering' and c.lease_expires_at < :now)
      and (c.ordering_key is null or not exists (
            select 1 from outbound_message p
             where p.counterpart_id = c.counterpart_id and p.ordering_key = c.ordering_key
               and p.id < c.id and p.status <> 'delivered'))
      {extra}
    order by c.next_attempt_at, c.id
    limit :limit
    for update of c skip locked)
update outbound_message m set status = 'delivering', lease_owner = :worker,
       lease_expires_at = :lease_until
  from due where m.id = due.id
returning m.id
"""


def claim_due(
    session: Session,
    *,
    worker: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
    tenant_id: int | None = None,
) -> list[OutboundMessage]:
    """Claim up to ``limit`` due messages for ``worker``; return them."""
    extra = "and c.tenant_id = :tenant_id" if tenant_id is not None else ""
    params = {"worker": worker, "now": now, "lease_until": lease_until, "limit": limit}
    if tenant_id is not None:
        params["tenant_id"] = tenant_id
    ids = list(session.scalars(text(_CLAIM_DUE.format(extra=extra)), params))
    if not ids:
        return []
    rows = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.id.in_(ids))
        .order_by(OutboundMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def record_results(
    session: Session, attempts: Sequence[dict[str, Any]], updates: Sequence[dict[str, Any]]
) -> None:
    """Write a batch of attempts and the matching message updates (``id`` + new values).

    Each update only applies while the message is still leased to the same worker, so a
    worker that lost its lease cannot overwrite the newer owner's result.
    """
    if attempts:
        session.execute(insert(OutboundAttempt), list(attempts))
    if updates:
        # why: one executemany (psycopg pipelines it) instead of a round trip per message
        session.execute(_RESULT_UPDATE, [_result_params(values) for values in updates])


_MSG = OutboundMessage.__table__.c
_RESULT_UPDATE = (
    update(OutboundMessage.__table__)
    .where(_MSG.id == bindparam("b_id"), _MSG.lease_owner == bindparam("b_worker"))
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        last_error=bindparam("b_last_error"),
        # absent from an update means "leave as is": NULL parameter -> keep the column
        delivered_at=func.coalesce(
            bindparam("b_delivered_at", type_=_MSG.delivered_at.type), _MSG.delivered_at
        ),
        next_attempt_at=func.coalesce(
            bindparam("b_next_attempt_at", type_=_MSG.next_attempt_at.type), _MSG.next_attempt_at
        ),
        lease_owner=None,
        lease_expires_at=None,
    )
)


def _result_params(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "b_id": values["id"],
        "b_worker": values["worker"],
        "b_status": values["status"],
        "b_attempts": values["attempts"],
        "b_last_error": values.get("last_error"),
        "b_delivered_at": values.get("delivered_at"),
        "b_next_attempt_at": values.get("next_attempt_at"),
    }


def get(session: Session, tenant_id: int, message_id: int) -> OutboundMessage | None:
    return session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.tenant_id == tenant_id, OutboundMessage.id == message_id
        )
    )


def find_by_key(session: Session, tenant_id: int, message_key: str) -> OutboundMessage | None:
    return session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.tenant_id == tenant_id, OutboundMessage.message_key == message_key
        )
    )


def list_messages(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    counterpart_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[OutboundMessage]:
    stmt = select(OutboundMessage).where(OutboundMessage.tenant_id == tenant_id)
    if status:
        stmt = stmt.where(OutboundMessage.status == status)
    if counterpart_id:
        stmt = stmt.where(OutboundMessage.counterpart_id == counterpart_id)
    stmt = stmt.order_by(OutboundMessage.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def attempts(session: Session, tenant_id: int, message_id: int) -> list[OutboundAttempt]:
    return list(
        session.scalars(
            select(OutboundAttempt)
            .where(OutboundAttempt.tenant_id == tenant_id)
            .where(OutboundAttempt.message_id == message_id)
            .order_by(OutboundAttempt.id)
        )
    )


def replay(
    session: Session,
    tenant_id: int,
    now: datetime,
    *,
    message_id: int | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> list[int]:
    """Make dead letters due again (one, or those created in ``[from, to)``); return ids."""
    stmt = update(OutboundMessage).where(
        OutboundMessage.tenant_id == tenant_id, OutboundMessage.status == OutboundStatus.DEAD
    )
    if message_id is not None:
        stmt = stmt.where(OutboundMessage.id == message_id)
    if created_from is not None:
        stmt = stmt.where(OutboundMessage.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(OutboundMessage.created_at < created_to)
    # why: a replay starts a fresh retry budget; attempt rows keep the full history
    stmt = stmt.values(status=OutboundStatus.PENDING, attempts=0, next_attempt_at=now)
    return list(session.scalars(stmt.returning(OutboundMessage.id)))


def referencing(session: Session, tenant_id: int, refs: dict[str, str]) -> list[OutboundMessage]:
    stmt = select(OutboundMessage).where(OutboundMessage.tenant_id == tenant_id)
    stmt = stmt.where(OutboundMessage.refs.contains(refs))
    return list(session.scalars(stmt.order_by(OutboundMessage.created_at)))


def backlog(session: Session, tenant_id: int | None = None) -> dict[int, int]:
    """Undelivered (pending or delivering) messages per counterpart id."""
    stmt = select(OutboundMessage.counterpart_id, func.count()).where(
        OutboundMessage.status.in_([OutboundStatus.PENDING, OutboundStatus.DELIVERING])
    )
    if tenant_id is not None:
        stmt = stmt.where(OutboundMessage.tenant_id == tenant_id)
    rows = session.execute(stmt.group_by(OutboundMessage.counterpart_id))
    return {cid: n for cid, n in rows}


def count_by_status(session: Session, tenant_id: int) -> dict[str, int]:
    """Outbound messages per status for one tenant (statuses with none are absent)."""
    stmt = (
        select(OutboundMessage.status, func.count())
        .where(OutboundMessage.tenant_id == tenant_id)
        .group_by(OutboundMessage.status)
    )
    return {status: n for status, n in session.execute(stmt)}
