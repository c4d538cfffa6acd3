"""Helpers for life-cycle tests: the outbox messages a loan's closure enqueued."""

from __future__ import annotations

import json

from sqlalchemy import select

from lms_core.persistence.integration.models import OutboundMessage


def outbox_events(db, tenant, loan) -> list[dict]:
    rows = db.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.tenant_id == tenant.id)
        .order_by(OutboundMessage.id)
    )
    bodies = [json.loads(bytes(r.body)) for r in rows]
    return [b for b in bodies if b.get("loan_id") == loan.id]
