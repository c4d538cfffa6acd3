"""The inbox handler for PSP webhooks: map the dialect, dedupe the event, apply in order.

The webhook route has verified the signature and stored the body; this runs in the inbox
worker's transaction. Each event is applied inside a savepoint together with its
``upi_event`` row (unique per PSP and event id): a second delivery of the same event,
even under another delivery id, is a duplicate; an event that fails (an unknown
reference, a loan that refuses the payment) leaves nothing behind and is quarantined with
its reason, so reprocessing the item after a fix applies it.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.upi_autopay.connector import DOCUMENT_KIND
from formats.upi.autopay_events import (
    DEBIT_KINDS,
    MANDATE_KINDS,
    NOTIFICATION_KINDS,
    Dialect,
    EventKind,
    UpiEvent,
    parse_event,
)
from hub.collections.upi.debits import apply_debit_event, apply_notice_event
from hub.collections.upi.mandates import Applied, apply_mandate_event
from hub.collections.upi.psp import PSP_KIND, psp_row
from hub.integration.inbox.handlers import (
    ANY_KIND,
    HANDLERS,
    HandlerResult,
    InboxHandler,
    ItemContext,
    Outcome,
    rejected,
)
from hub.platform.errors import SangamError
from lms_core.integration.enums import RecordOutcome
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.integration.models import Counterpart


def apply_event(
    session: Session, tenant_id: int, psp: Counterpart, event: UpiEvent, item_id: int | None
) -> Applied | None:
    """Apply one canonical event; return what it did, or None for a duplicate event.

    Raises SangamError / IntegrityError when it cannot apply (the caller's savepoint
    rolls the event back whole).
    """
    log_id = repository.log_event(
        session,
        {
            "tenant_id": tenant_id,
            "counterpart_id": psp.id,
            "event_id": event.event_id[:100],
            "kind": str(event.kind),
            "occurred_at": event.occurred_at,
            "outcome": "received",
            "inbox_item_id": item_id,
        },
    )
    if log_id is None:
        return None
    actor = f"upi:{psp.code}"
    if event.kind in MANDATE_KINDS:
        done = apply_mandate_event(session, tenant_id, psp.code, event, actor)
    elif event.kind in NOTIFICATION_KINDS:
        done = apply_notice_event(session, tenant_id, event)
    elif event.kind in DEBIT_KINDS:
        done = apply_debit_event(session, tenant_id, psp, event, actor)
    else:
        done = Applied("ignored", None, f"{event.kind}: not used")
    if done.outcome == "unmatched":
        raise UnmatchedEvent(done.detail or "unmatched")
    repository.set_event_outcome(session, log_id, done.outcome, done.detail, done.subject)
    return done


class UnmatchedEvent(SangamError):
    status_code, title, type_slug = 422, "Unmatched PSP event", "upi-unmatched"


class UpiEventHandler(InboxHandler):
    """One PSP webhook = one event, in the PSP's dialect (from its counterpart config)."""

    def parse(self, session: Session, ctx: ItemContext, data: bytes):
        psp = psp_row(session, ctx.tenant_id, ctx.source)
        try:
            dialect = Dialect((psp.config or {}).get("dialect"))
        except ValueError:
            return rejected(f"PSP {psp.code} has no known dialect", field="dialect")
        parsed = parse_event(dialect, data)
        if isinstance(parsed, list):
            reason = "; ".join(f"{p.field}: {p.message}" for p in parsed)
            return rejected(f"not a {dialect} event: {reason}", field=parsed[0].field)
        return psp, parsed

    def apply(self, session: Session, ctx: ItemContext, parsed) -> HandlerResult:
        psp, event = parsed
        key = f"{event.event_id}:{event.kind}"
        try:
            with session.begin_nested():
                done = apply_event(session, ctx.tenant_id, psp, event, ctx.item_id)
        except (SangamError, IntegrityError) as exc:
            reason = getattr(exc, "detail", None) or str(exc).splitlines()[0]
            outcome = Outcome(1, RecordOutcome.QUARANTINED, key, "event", reason[:300])
            return HandlerResult(quarantined=1, outcomes=(outcome,))
        if done is None:
            outcome = Outcome(1, RecordOutcome.DUPLICATE, key, None, "event already applied")
            return HandlerResult(duplicates=1, outcomes=(outcome,))
        note = f"{done.outcome}: {done.detail}" if done.detail else done.outcome
        outcome = Outcome(1, RecordOutcome.APPLIED, key, None, note[:300])
        return HandlerResult(applied=1, outcomes=(outcome,))


def install() -> None:
    """Register the handler for PSP counterparts (idempotent; done at import)."""
    HANDLERS.register(PSP_KIND, ANY_KIND, UpiEventHandler())
    HANDLERS.register(PSP_KIND, DOCUMENT_KIND, UpiEventHandler())


install()
__all__ = ["EventKind", "UpiEventHandler", "apply_event", "install"]
