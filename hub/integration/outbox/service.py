"""The transactional outbox: write a message in the caller's transaction; replay dead ones.

A business change and the message announcing it commit together or not at all: the
service only adds a row to the caller's session and never commits. The delivery worker
(hub.integration.outbox.worker) sends it later. ``message_key`` is the receiver's idempotency key
(the ``webhook-id`` header), the same across retries; giving one makes enqueueing itself
idempotent. ``ordering_key`` keeps messages of that key in order; a counterpart
configured ``ordered: true`` orders everything sent to it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from hub.platform.errors import NotFound, Unprocessable
from lms_core.integration.enums import OutboundStatus
from lms_core.persistence.integration import outbox_repository
from lms_core.persistence.integration.models import Counterpart

WHOLE_COUNTERPART = "*"


class DeliveryChannel(StrEnum):
    HTTP = "http"
    WEBHOOK = "webhook"  # HTTP, signed per Standard Webhooks
    SFTP = "sftp"


def enqueue(
    session: Session,
    counterpart: Counterpart,
    *,
    event_type: str,
    body: bytes | Mapping[str, Any],
    channel: DeliveryChannel,
    now: datetime,
    target: str = "",
    message_key: str | None = None,
    ordering_key: str | None = None,
    refs: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> int:
    """Add an outbound message to the caller's transaction; return its id.

    With a ``message_key`` seen before for this tenant, returns the existing message's
    id instead of adding another. Raises Unprocessable for an SFTP message without a
    file name.
    """
    if channel is DeliveryChannel.SFTP and not target:
        raise Unprocessable("an sftp message needs a target file name")
    if ordering_key is None and (counterpart.config or {}).get("ordered"):
        ordering_key = WHOLE_COUNTERPART
    raw = body if isinstance(body, bytes) else json.dumps(dict(body), default=str).encode()
    key = message_key or f"msg_{uuid.uuid4().hex}"
    message_id = outbox_repository.add(
        session,
        tenant_id=counterpart.tenant_id,
        counterpart_id=counterpart.id,
        channel=str(channel),
        event_type=event_type,
        message_key=key,
        ordering_key=ordering_key,
        target=target,
        content_type=content_type,
        body=raw,
        refs=dict(refs) if refs else None,
        status=OutboundStatus.PENDING,
        next_attempt_at=now,
    )
    if message_id is None:
        existing = outbox_repository.find_by_key(session, counterpart.tenant_id, key)
        return existing.id
    return message_id


def replay_one(session: Session, tenant_id: int, message_id: int, now: datetime) -> int:
    """Make one dead letter due now; raises NotFound if there is no such dead message."""
    replayed = outbox_repository.replay(session, tenant_id, now, message_id=message_id)
    if not replayed:
        raise NotFound(f"no dead outbound message {message_id}")
    return replayed[0]


def replay_range(
    session: Session, tenant_id: int, created_from: datetime, created_to: datetime, now: datetime
) -> list[int]:
    """Make every dead letter created in ``[from, to)`` due now; return their ids."""
    if created_to <= created_from:
        raise Unprocessable("the range end must be after its start")
    return outbox_repository.replay(
        session, tenant_id, now, created_from=created_from, created_to=created_to
    )
