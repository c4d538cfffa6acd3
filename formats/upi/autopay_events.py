"""Canonical UPI AutoPay events: what every PSP's webhook means, whatever its dialect.

PSPs name the same facts differently (``token.paused`` in one dialect,
``SUBSCRIPTION_STATUS_CHANGED`` with ``CUSTOMER_PAUSED`` in another). Each dialect is a
mapping file under ``mappings/<dialect>/webhook.yaml``; :func:`parse_event` applies it to
a webhook body and returns one :class:`UpiEvent`, or the problems naming the field. The
rest of the UPI code only ever sees :class:`UpiEvent`.

``occurred_at`` is the event's own time (Unix seconds in one dialect, ISO 8601 in the
other): events are applied in that order, never in arrival order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from mappings import MappedRecord, Mapping, RecordError, apply_mapping, load_mapping, mapping_path


class Dialect(StrEnum):
    """The webhook dialects we have mappings for (directory names under mappings/)."""

    TOKEN_EVENTS = "psp_token_events"  # token.confirmed ... payment.captured ...
    SUBSCRIPTION_EVENTS = "psp_subscription_events"  # SUBSCRIPTION_STATUS_CHANGED ...


class EventKind(StrEnum):
    MANDATE_ACTIVE = "mandate_active"  # confirmed (first time) or resumed (after a pause)
    MANDATE_REJECTED = "mandate_rejected"
    MANDATE_PAUSED = "mandate_paused"
    MANDATE_CANCELLED = "mandate_cancelled"  # revoked by the payer or cancelled by us
    MANDATE_EXPIRED = "mandate_expired"
    NOTIFICATION_INITIATED = "notification_initiated"  # pre-debit notice reached the payer
    NOTIFICATION_FAILED = "notification_failed"
    DEBIT_SUCCESS = "debit_success"
    DEBIT_FAILED = "debit_failed"
    DEBIT_CANCELLED = "debit_cancelled"
    REFUND_PROCESSED = "refund_processed"
    REFUND_FAILED = "refund_failed"
    IGNORED = "ignored"  # an event this integration has no use for (kept, not applied)


MANDATE_KINDS = frozenset(
    {
        EventKind.MANDATE_ACTIVE,
        EventKind.MANDATE_REJECTED,
        EventKind.MANDATE_PAUSED,
        EventKind.MANDATE_CANCELLED,
        EventKind.MANDATE_EXPIRED,
    }
)
NOTIFICATION_KINDS = frozenset({EventKind.NOTIFICATION_INITIATED, EventKind.NOTIFICATION_FAILED})
DEBIT_KINDS = frozenset(
    {
        EventKind.DEBIT_SUCCESS,
        EventKind.DEBIT_FAILED,
        EventKind.DEBIT_CANCELLED,
        EventKind.REFUND_PROCESSED,
        EventKind.REFUND_FAILED,
    }
)


@dataclass(frozen=True)
class UpiEvent:
    """One PSP event in canonical form.

    ``mandate_ref`` is our mandate request id; ``reference`` our pre-debit notification or
    debit reference (we hand both to the PSP, which echoes them); ``psp_id`` the PSP's own
    id of the subject. Amounts are rupees (Decimal).
    """

    event_id: str
    kind: EventKind
    occurred_at: datetime
    mandate_ref: str | None = None
    reference: str | None = None
    psp_id: str | None = None
    umn: str | None = None
    amount: Decimal | None = None
    reason: str | None = None
    refund_id: str | None = None
    refund_amount: Decimal | None = None


@dataclass(frozen=True)
class EventProblem:
    field: str
    message: str


@cache
def dialect_mapping(dialect: Dialect) -> Mapping:
    """Return the loaded (and validated) mapping of ``dialect``."""
    return load_mapping(mapping_path(str(dialect), "webhook"))


def event_time(value: Any) -> datetime:
    """Return an aware UTC datetime from Unix seconds or ISO 8601 text with an offset."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return datetime.fromtimestamp(int(value), UTC)
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError(f"event time {value!r} has no UTC offset")
        return moment.astimezone(UTC)
    raise ValueError(f"event time {value!r} is neither Unix seconds nor ISO 8601")


def parse_event(dialect: Dialect, body: bytes) -> UpiEvent | list[EventProblem]:
    """Return the canonical event of one webhook body, or every problem found in it."""
    try:
        payload = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        return [EventProblem("(body)", f"not valid JSON: {exc}")]
    if not isinstance(payload, dict):
        return [EventProblem("(body)", "a webhook body must be a JSON object")]
    results = list(apply_mapping(dialect_mapping(dialect), [payload]))
    errors = [r for r in results if isinstance(r, RecordError)]
    if errors:
        return [EventProblem(e.field, e.message) for e in errors]
    [record] = [r for r in results if isinstance(r, MappedRecord)]
    return _canonical(record.values)


def _canonical(values: dict[str, Any]) -> UpiEvent | list[EventProblem]:
    try:
        occurred = event_time(values["occurred_at"])
    except ValueError as exc:
        return [EventProblem("occurred_at", str(exc))]
    text = {k: (str(v) if v not in (None, "") else None) for k, v in values.items()}
    return UpiEvent(
        event_id=str(values["event_id"]),
        kind=EventKind(values["kind"]),
        occurred_at=occurred,
        mandate_ref=text["mandate_ref"],
        reference=text["reference"],
        psp_id=text["psp_id"],
        umn=text["umn"],
        amount=values["amount"],
        reason=text["reason"],
        refund_id=text["refund_id"],
        refund_amount=values["refund_amount"],
    )
