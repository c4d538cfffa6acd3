"""The event timeline of one business object: every message in or out that names it.

Inbox items and outbound messages carry ``refs`` (e.g. ``{"loan": "42"}``) set by the
connector or service that created them; a GIN index answers "everything about loan 42"
without scanning. Entries come back merged and in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lms_core.persistence.integration import inbox_repository, outbox_repository


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    direction: str  # inbound | outbound
    id: int
    kind: str  # document kind or event type
    counterpart: str | int
    status: str
    detail: str | None


def timeline(
    session: Session, tenant_id: int, object_type: str, object_id: str
) -> list[TimelineEntry]:
    """Return every inbound item and outbound message referencing the object, oldest first."""
    refs = {object_type: object_id}
    entries = [
        TimelineEntry(i.received_at, "inbound", i.id, i.document_kind, i.source, i.status, i.reason)
        for i in inbox_repository.referencing(session, tenant_id, refs)
    ]
    entries += [
        TimelineEntry(
            m.created_at, "outbound", m.id, m.event_type, m.counterpart_id, m.status, m.last_error
        )
        for m in outbox_repository.referencing(session, tenant_id, refs)
    ]
    return sorted(entries, key=lambda e: (e.at, e.direction, e.id))
