"""The PSP's merchant API as we call it: create a mandate, send a pre-debit notice, debit,
revoke a mandate.

Every request carries our own reference (mandate request id, notice reference, debit
reference) which the PSP treats as an idempotency key: asking twice returns the first
answer, so a call retried after a timeout cannot create a second mandate or debit.
Failures come back as connectors.sdk.transport errors: RetriableError (timeouts, 429, 5xx) or
FatalError (the PSP refused the request: 4xx, with its reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from connectors.sdk.transport import http


@dataclass(frozen=True)
class MandateRequest:
    reference: str  # our mandate request id; the PSP echoes it in its events
    payer_vpa: str
    payer_name: str
    amount: Decimal
    amount_rule: str  # MAX | EXACT
    recurrence: str  # MONTHLY, ASPRESENTED ...
    start: date
    end: date | None
    purpose: str = "loan repayment"


@dataclass(frozen=True)
class MandateCreated:
    psp_mandate_id: str
    approval_url: str
    intent_url: str
    status: str


@dataclass(frozen=True)
class NoticeAccepted:
    psp_notification_id: str
    notified_at: datetime


@dataclass(frozen=True)
class DebitAccepted:
    psp_payment_id: str
    status: str


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


class PspApi:
    """A thin client of one PSP (its base URL and API key from the counterpart)."""

    def __init__(self, counterpart: str, client: httpx.Client) -> None:
        self.counterpart = counterpart
        self._client = client

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = http.request(self._client, "POST", path, counterpart=self.counterpart, json=body)
        return response.json()

    def create_mandate(self, req: MandateRequest) -> MandateCreated:
        """Ask the PSP for a mandate; return where the payer approves it."""
        body = {
            "reference": req.reference,
            "payer_vpa": req.payer_vpa,
            "payer_name": req.payer_name,
            "amount": _money(req.amount),
            "amount_rule": req.amount_rule,
            "recurrence": req.recurrence,
            "start_date": req.start.isoformat(),
            "end_date": req.end.isoformat() if req.end else None,
            "purpose": req.purpose,
        }
        got = self._post("/v1/mandates", body)
        return MandateCreated(got["id"], got["approval_url"], got["intent_url"], got["status"])

    def notify(
        self, psp_mandate_id: str, reference: str, amount: Decimal, debit_date: date
    ) -> NoticeAccepted:
        """Send the pre-debit notice; return the PSP's id and the time it notified."""
        body = {"reference": reference, "amount": _money(amount), "debit_date": str(debit_date)}
        got = self._post(f"/v1/mandates/{psp_mandate_id}/notifications", body)
        return NoticeAccepted(got["id"], datetime.fromisoformat(got["notified_at"]))

    def execute(
        self, psp_mandate_id: str, reference: str, notice_reference: str, amount: Decimal
    ) -> DebitAccepted:
        """Trigger the debit of a notified amount; the outcome arrives by webhook."""
        body = {
            "reference": reference,
            "notification_reference": notice_reference,
            "amount": _money(amount),
        }
        got = self._post(f"/v1/mandates/{psp_mandate_id}/debits", body)
        return DebitAccepted(got["id"], got["status"])

    def revoke(self, psp_mandate_id: str, reference: str, reason: str) -> str:
        """Revoke the mandate as the merchant; ``reference`` (ours) is the idempotency key,
        so a revoke retried after a timeout is one revoke. Return the PSP's status; the
        PSP confirms with its ``cancelled`` webhook."""
        body = {"reference": reference, "reason": reason}
        return self._post(f"/v1/mandates/{psp_mandate_id}/revoke", body)["status"]

    def cancel(self, psp_mandate_id: str) -> str:
        """Cancel the mandate on our side (e.g. loan closed); return the PSP's status."""
        return self._post(f"/v1/mandates/{psp_mandate_id}/cancel", {})["status"]

    def close(self) -> None:
        self._client.close()
