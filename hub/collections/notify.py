"""Telling collections about a bounce: a loan event always, an outbox event when wired.

Every return writes a ``nach_return`` loan event (the loan's history shows it). When the
sponsor bank's config names a ``notify_counterpart`` (e.g. the collections system's
webhook endpoint), a ``collections.bounce`` message goes to it through the outbox, in
the same transaction as the return, keyed by the item so a replay never sends two.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from formats.nach.ach import AchDetail
from hub.collections.nach.bank_settings import NachBankSettings
from hub.integration.counterparts import get as get_counterpart
from hub.integration.outbox.service import DeliveryChannel, enqueue
from lms_core.persistence.collections.models import PresentationItem
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository

EVENT_TYPE = "collections.bounce"


def bounce_payload(tenant_id: int, item: PresentationItem, record: AchDetail, dead: bool) -> dict:
    reason = record.reason
    return {
        "type": EVENT_TYPE,
        "tenant_id": tenant_id,
        "loan_id": item.loan_id,
        "mandate_id": item.mandate_id,
        "reference": item.reference,
        "due_date": item.due_date.isoformat(),
        "amount": str(item.amount),
        "attempt": item.attempt,
        "reason_code": record.reason_code,
        "reason": reason.description if reason else "",
        "mandate_dead": dead,
        "represent_on": item.represent_on.isoformat() if item.represent_on else None,
    }


def notify_bounce(
    session: Session,
    tenant_id: int,
    bank: NachBankSettings,
    item: PresentationItem,
    record: AchDetail,
    *,
    dead: bool,
) -> None:
    """Record the bounce on the loan and queue ``collections.bounce`` when configured."""
    payload = bounce_payload(tenant_id, item, record, dead)
    today = tenant_repository.business_date(session, tenant_id)
    loan_repository.add_event(session, item.loan_id, today, "nach_return", payload)
    if not bank.notify_counterpart:
        return
    target = get_counterpart(session, tenant_id, bank.notify_counterpart)
    enqueue(
        session,
        target,
        event_type=EVENT_TYPE,
        body=payload,
        channel=DeliveryChannel.WEBHOOK,
        now=datetime.now(UTC),  # why: delivery timing only, never a business date
        message_key=f"collections.bounce:{item.reference}",
    )
