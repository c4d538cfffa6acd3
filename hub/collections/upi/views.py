"""Read views of UPI AutoPay for the API and the pages: plain dicts, PII masked.

A mandate shows the payer's VPA masked (the registry never returns it in clear), its
status and history, and per cycle the notice (amount, debit date, when the payer was
notified) and every debit attempt with its outcome.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from hub.collections import mandates as registry
from hub.collections.upi.debits import cycle_rows
from hub.collections.upi.mandates import UPI_RULE
from hub.platform.errors import NotFound
from lms_core.collections.enums import MandateKind
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.collections.models import Mandate
from lms_core.persistence.collections.upi_models import UpiCycle, UpiDebit, UpiMandate

IST = timezone(timedelta(hours=5, minutes=30))


def _money(value) -> str:
    return f"{value:.2f}"


def _stamp(value) -> str | None:
    """ISO 8601 in IST (with its +05:30 offset), as operations read times."""
    return value.astimezone(IST).isoformat(timespec="seconds") if value else None


def mandate_out(m: Mandate, upi: UpiMandate) -> dict[str, Any]:
    return {
        "id": m.id,
        "loan_id": m.loan_id,
        "status": m.status,
        "request_id": m.request_id,
        "umn": m.reference,
        "psp": m.provider,
        "psp_mandate_id": m.provider_ref,
        "payer_name": m.debtor_name,
        "payer_vpa": m.debtor_account_masked,
        "amount": _money(m.amount),
        "amount_rule": UPI_RULE.get(m.amount_rule, m.amount_rule),
        "recurrence": upi.recurrence,
        "start_date": m.start_date.isoformat(),
        "end_date": m.end_date.isoformat() if m.end_date else None,
        "approval_url": upi.approval_url,
        "intent_url": upi.intent_url,
        "last_event_at": _stamp(upi.last_event_at),
    }


def debit_out(d: UpiDebit) -> dict[str, Any]:
    return {
        "id": d.id,
        "attempt": d.attempt,
        "reference": d.reference,
        "psp_payment_id": d.psp_payment_id,
        "amount": _money(d.amount),
        "status": d.status,
        "reason": d.reason,
        "business_date": d.business_date.isoformat(),
        "requested_at": _stamp(d.requested_at),
        "settled_at": _stamp(d.settled_at),
        "repayment_id": d.repayment_id,
        "refund_id": d.refund_id,
    }


def cycle_out(c: UpiCycle, debits: list[UpiDebit]) -> dict[str, Any]:
    return {
        "id": c.id,
        "mandate_id": c.mandate_id,
        "loan_id": c.loan_id,
        "cycle": c.cycle_key,
        "reference": c.reference,
        "amount": _money(c.amount),
        "debit_date": c.debit_date.isoformat(),
        "notified_on": c.notified_on.isoformat(),
        "notified_at": _stamp(c.notified_at),
        "delivered_at": _stamp(c.delivered_at),
        "status": c.status,
        "attempts": c.attempts,
        "debits": [debit_out(d) for d in debits],
    }


def mandates(session: Session, tenant_id: int, **filters: Any) -> list[dict[str, Any]]:
    return [mandate_out(m, u) for m, u in repository.upi_mandates(session, tenant_id, **filters)]


def cycles(session: Session, tenant_id: int, **filters: Any) -> list[dict[str, Any]]:
    rows = repository.cycles(session, tenant_id, **filters)
    return [cycle_out(c, ds) for c, ds in cycle_rows(session, tenant_id, rows)]


def mandate_detail(session: Session, tenant_id: int, mandate_id: int) -> dict[str, Any]:
    """Return the mandate with its history, cycles and PSP events; raises NotFound."""
    mandate = registry.get(session, tenant_id, mandate_id)
    upi = repository.upi_mandate(session, mandate_id)
    if mandate.kind != MandateKind.UPI_AUTOPAY or upi is None:
        raise NotFound(f"mandate {mandate_id} is not a UPI AutoPay mandate")
    out = mandate_out(mandate, upi)
    out["history"] = [
        {
            "kind": e.kind,
            "status": e.status,
            "business_date": e.business_date.isoformat(),
            "code": e.code,
            "actor": e.actor,
            "detail": e.detail,
        }
        for e in registry.history(session, tenant_id, mandate_id)
    ]
    out["cycles"] = cycles(session, tenant_id, mandate_id=mandate_id, limit=500)
    out["events"] = [
        {
            "event_id": e.event_id,
            "kind": e.kind,
            "occurred_at": _stamp(e.occurred_at),
            "outcome": e.outcome,
            "detail": e.detail,
        }
        for e in repository.events_for(session, tenant_id, f"mandate:{mandate_id}")
    ]
    return out
