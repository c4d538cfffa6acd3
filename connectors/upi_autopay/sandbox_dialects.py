"""How the PSP sandbox words one fact in each webhook dialect.

``token events`` (psp_token_events): ``{"id", "event": "token.paused", "created_at": Unix
seconds, "payload": {"token" | "notification" | "payment" | "refund": {...}}}``, amounts in
paise, our references in each entity's ``notes``.

``subscription events`` (psp_subscription_events): ``{"event_id", "type":
"SUBSCRIPTION_STATUS_CHANGED", "event_time": ISO 8601 +05:30, "data": {...}}``, amounts in
rupees, our subscription id / payment id as the PSP's merchant-side ids.

The mappings under ``mappings/`` read these back into one canonical event; the tests
check both dialects end in the same one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from lms_core.money import to_paise

IST = timezone(timedelta(hours=5, minutes=30))

_TOKEN_EVENTS = {
    "mandate_active": "token.confirmed",
    "mandate_resumed": "token.resumed",
    "mandate_rejected": "token.rejected",
    "mandate_paused": "token.paused",
    "mandate_cancelled": "token.cancelled",
    "mandate_revoked": "token.cancelled",  # by the merchant: same event, reason in notes
    "mandate_expired": "token.expired",
    "notification_initiated": "notification.initiated",
    "debit_success": "payment.captured",
    "debit_failed": "payment.failed",
    "refund_processed": "refund.processed",
}
_SUBSCRIPTION_STATUS = {
    "mandate_resumed": "ACTIVE",
    "mandate_paused": "CUSTOMER_PAUSED",
    "mandate_cancelled": "CUSTOMER_CANCELLED",
    "mandate_revoked": "CANCELLED",  # by the merchant
    "mandate_expired": "EXPIRED",
}
_SUBSCRIPTION_PAYMENT = {
    "notification_initiated": "SUBSCRIPTION_PAYMENT_NOTIFICATION_INITIATED",
    "debit_success": "SUBSCRIPTION_PAYMENT_SUCCESS",
    "debit_failed": "SUBSCRIPTION_PAYMENT_FAILED",
}


def render(dialect: str, fact: str, event_id: str, at: datetime, s: dict[str, Any]) -> dict:
    """Return the webhook body for ``fact`` (e.g. ``mandate_paused``) in ``dialect``."""
    if dialect == "psp_token_events":
        return _token(fact, event_id, at, s)
    if dialect == "psp_subscription_events":
        return _subscription(fact, event_id, at, s)
    raise ValueError(f"unknown dialect {dialect!r}")


def _token(fact: str, event_id: str, at: datetime, s: dict[str, Any]) -> dict:
    m = s["mandate"]
    payload: dict[str, Any] = {}
    if fact.startswith("mandate_"):
        details = {"umn": m.umn, "failure_reason": s.get("reason")}
        payload["token"] = {
            "id": m.id,
            "entity": "token",
            "status": m.status,
            "recurring_details": details,
            "notes": {"mandate_ref": m.reference},
        }
    elif fact == "notification_initiated":
        n = s["notice"]
        payload["notification"] = {
            "id": n.id,
            "amount": to_paise(n.amount),
            "notes": {"mandate_ref": m.reference, "reference": n.reference},
        }
    else:
        p = s["payment"]
        payload["payment"] = {
            "id": p.id,
            "amount": to_paise(p.amount),
            "status": p.status,
            "token_id": m.id,
            "error_code": s.get("reason"),
            "notes": {"mandate_ref": m.reference, "reference": p.reference},
        }
        if fact == "refund_processed":
            payload["refund"] = {"id": s["refund_id"], "amount": to_paise(p.amount)}
    return {
        "entity": "event",
        "id": event_id,
        "event": _TOKEN_EVENTS[fact],
        "created_at": int(at.timestamp()),
        "payload": payload,
    }


def _subscription(fact: str, event_id: str, at: datetime, s: dict[str, Any]) -> dict:
    m = s["mandate"]
    data: dict[str, Any] = {"subscription_details": {"subscription_id": m.reference}}
    if fact in ("mandate_active", "mandate_rejected"):
        kind = "SUBSCRIPTION_AUTH_STATUS"
        status = "ACTIVE" if fact == "mandate_active" else "FAILED"
        data["authorization_details"] = {"authorization_status": status, "umn": m.umn}
        data["subscription_details"]["cf_subscription_id"] = m.id
        if s.get("reason"):
            data["failure_details"] = {"failure_reason": s["reason"]}
    elif fact in _SUBSCRIPTION_STATUS:
        kind = "SUBSCRIPTION_STATUS_CHANGED"
        data["subscription_details"].update(
            cf_subscription_id=m.id, subscription_status=_SUBSCRIPTION_STATUS[fact], umn=m.umn
        )
    elif fact == "notification_initiated":
        kind, n = _SUBSCRIPTION_PAYMENT[fact], s["notice"]
        data.update(payment_id=n.reference, cf_payment_id=n.id, payment_amount=n.amount)
    elif fact == "refund_processed":
        kind, p = "SUBSCRIPTION_REFUND_STATUS", s["payment"]
        data.update(payment_id=p.reference, cf_payment_id=p.id, payment_amount=p.amount)
        data["refund_details"] = {
            "refund_id": s["refund_id"],
            "refund_amount": p.amount,
            "refund_status": "SUCCESS",
        }
    else:
        kind, p = _SUBSCRIPTION_PAYMENT[fact], s["payment"]
        data.update(
            payment_id=p.reference,
            cf_payment_id=p.id,
            payment_amount=p.amount,
            payment_status="SUCCESS" if fact == "debit_success" else "FAILED",
        )
        if s.get("reason"):
            data["failure_details"] = {"failure_reason": s["reason"]}
    return {
        "event_id": event_id,
        "type": kind,
        "event_time": at.astimezone(IST).isoformat(timespec="seconds"),
        "data": data,
    }
