"""A UPI AutoPay PSP on loopback: mandates, pre-debit notices, debits, signed webhooks.

The merchant API is what ``connectors.upi_autopay.api.PspApi`` calls (``/v1/...``); our
reference on every request is the idempotency key. The PSP enforces NPCI's rules on its
side too: a debit needs a notice of the same amount at least 24 h old (by the sandbox's
clock), one successful debit per notice, a registered mandate.

Every fact (mandate approved, paused, debit captured ...) becomes a webhook in the
configured dialect (``psp_token_events`` or ``psp_subscription_events``), signed with the
configured scheme and queued. :meth:`PspSandbox.deliver` posts the queue to our webhook
URL, shuffled (out of order) and with a seeded share sent twice, the way a PSP's
at-least-once delivery behaves. Control endpoints under ``/_sandbox`` play the payer:
approve, reject, pause, resume, revoke, expire a mandate; refund a payment. The merchant
revokes a mandate with ``POST /v1/mandates/{id}/revoke`` (idempotent on its reference;
``unavailable_next`` makes the next calls fail 503 to exercise retries).

The sandbox's ``clock`` (the wall clock unless a test or the demo gives its own) stamps
the facts and signs the deliveries; the hub must share it for the replay window.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException

from connectors.sdk.sandbox.catalog import SandboxEnv, SandboxSpec
from connectors.sdk.sandbox.http_app import SandboxServer
from connectors.upi_autopay.sandbox_dialects import render
from connectors.upi_autopay.sandbox_models import (
    DebitBody,
    MandateBody,
    NoticeBody,
    RevokeBody,
    SandboxMandate,
    SandboxNotice,
    SandboxPayment,
)
from connectors.upi_autopay.signing import Scheme, sign

__all__ = ["PspSandbox", "SandboxMandate", "SandboxNotice", "SandboxPayment"]

NOTICE = timedelta(hours=24)
Clock = Callable[[], datetime]


class PspSandbox:
    """The PSP's state, its FastAPI app and its webhook queue."""

    def __init__(
        self,
        *,
        dialect: str = "psp_token_events",
        scheme: Scheme = Scheme.STANDARD_WEBHOOKS,
        webhook_url: str | None = None,
        webhook_secret: str = "",
        seed: int = 2026,
        duplicate_rate: float = 0.0,
        out_of_order: bool = True,
        fail_rate: float = 0.0,
        auto_approve: bool = False,
        clock: Clock | None = None,
        deliver_every_s: float | None = None,
    ) -> None:
        self.dialect, self.scheme = dialect, scheme
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.duplicate_rate, self.out_of_order = duplicate_rate, out_of_order
        self.fail_rate, self.auto_approve = fail_rate, auto_approve
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._seq = 0
        self._last_fact_at: datetime | None = None
        self._fail_next = 0
        self._unavailable_next = 0
        self._deliver_every_s = deliver_every_s
        self._stop = threading.Event()
        self._pump: threading.Thread | None = None
        self.mandates: dict[str, SandboxMandate] = {}
        self.notices: dict[str, SandboxNotice] = {}
        self.payments: dict[str, SandboxPayment] = {}
        self._by_ref: dict[tuple[str, str], Any] = {}
        self.queue: list[dict[str, Any]] = []
        self.delivered: list[tuple[str, int]] = []  # (event id, status code)
        self.app = self._build_app()
        self.server: SandboxServer | None = None

    # -- facts ---------------------------------------------------------------------------
    def _next(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}_{self._seq:06d}"

    def _emit(self, fact: str, **subject: Any) -> None:
        # why: a PSP's facts happen one after another; equal stamps would make order moot
        at = self.clock()
        if self._last_fact_at is not None and at <= self._last_fact_at:
            at = self._last_fact_at + timedelta(seconds=1)
        self._last_fact_at = at
        event_id = self._next("evt")
        body = render(self.dialect, fact, event_id, at, subject)
        self.queue.append({"id": event_id, "body": body})

    def _mandate(self, mandate_id: str) -> SandboxMandate:
        found = self.mandates.get(mandate_id)
        if found is None:
            raise HTTPException(404, f"no mandate {mandate_id}")
        return found

    def create_mandate(self, body: MandateBody) -> dict[str, Any]:
        with self._lock:
            known = self._by_ref.get(("mandate", body.reference))
            if known is None:
                known = SandboxMandate(
                    self._next("mdt"), body.reference, body.payer_vpa, body.amount, body.amount_rule
                )
                self.mandates[known.id] = known
                self._by_ref[("mandate", body.reference)] = known
                if self.auto_approve:
                    self.act(known.id, "approve")
            return self._mandate_view(known)

    def _mandate_view(self, m: SandboxMandate) -> dict[str, Any]:
        base = self.server.base_url if self.server else "http://psp.invalid"
        intent = f"upi://mandate?pa=lender@sandboxpsp&tr={m.reference}&am={m.amount}"
        intent += f"&amrule={m.amount_rule}"
        return {
            "id": m.id,
            "status": m.status,
            "umn": m.umn,
            "approval_url": f"{base}/approve/{m.id}",
            "intent_url": intent,
        }

    _ACTIONS = {
        "approve": ("active", ("created",), "mandate_active"),
        "reject": ("rejected", ("created",), "mandate_rejected"),
        "pause": ("paused", ("active",), "mandate_paused"),
        "resume": ("active", ("paused",), "mandate_resumed"),
        "revoke": ("cancelled", ("created", "active", "paused"), "mandate_cancelled"),
        "cancel": ("cancelled", ("created", "active", "paused"), "mandate_cancelled"),
        "expire": ("expired", ("active", "paused"), "mandate_expired"),
    }

    def act(self, mandate_id: str, action: str) -> dict[str, Any]:
        """Play the payer (or the PSP) on a mandate; queue the webhook it causes."""
        if action not in self._ACTIONS:
            raise HTTPException(404, f"no action {action}")
        target, allowed, fact = self._ACTIONS[action]
        with self._lock:
            m = self._mandate(mandate_id)
            if m.status not in allowed:
                raise HTTPException(409, f"mandate {m.id} is {m.status}: cannot {action}")
            m.status = target
            if action == "approve":
                m.umn = f"{uuid.UUID(int=self._rng.getrandbits(128)).hex[:24]}@sandboxpsp"
            self._emit(fact, mandate=m, reason="U16 payer declined" if action == "reject" else None)
            return self._mandate_view(m)

    def notify(self, mandate_id: str, body: NoticeBody) -> dict[str, Any]:
        with self._lock:
            known = self._by_ref.get(("notice", body.reference))
            if known is None:
                m = self._mandate(mandate_id)
                if m.status != "active":
                    raise HTTPException(400, f"mandate {m.id} is {m.status}")
                if m.amount_rule == "EXACT" and body.amount != m.amount:
                    raise HTTPException(400, f"amount {body.amount} is not the exact {m.amount}")
                if body.amount > m.amount:
                    raise HTTPException(
                        400, f"amount {body.amount} is above the maximum {m.amount}"
                    )
                known = SandboxNotice(
                    self._next("ntf"), body.reference, m.id, body.amount, self.clock()
                )
                self.notices[known.reference] = known
                self._by_ref[("notice", body.reference)] = known
                self._emit("notification_initiated", mandate=m, notice=known)
            return {"id": known.id, "notified_at": known.notified_at.isoformat()}

    def debit(self, mandate_id: str, body: DebitBody) -> dict[str, Any]:
        with self._lock:
            known = self._by_ref.get(("payment", body.reference))
            if known is None:
                known = self._new_payment(self._mandate(mandate_id), body)
            return {"id": known.id, "status": known.status}

    def _new_payment(self, m: SandboxMandate, body: DebitBody) -> SandboxPayment:
        notice = self.notices.get(body.notification_reference)
        if m.status != "active":
            raise HTTPException(400, f"mandate {m.id} is {m.status}")
        if notice is None or notice.mandate_id != m.id:
            raise HTTPException(400, f"no notice {body.notification_reference} on {m.id}")
        if body.amount != notice.amount:
            raise HTTPException(400, f"amount {body.amount} differs from notified {notice.amount}")
        if self.clock() - notice.notified_at < NOTICE:
            raise HTTPException(400, "pre-debit notice is younger than 24 hours")
        if notice.paid:
            raise HTTPException(409, f"notice {notice.reference} was already debited")
        pay = SandboxPayment(self._next("pay"), body.reference, m.id, notice.reference, body.amount)
        self.payments[pay.id] = pay
        self._by_ref[("payment", body.reference)] = pay
        fails = self._fail_next > 0 or self._rng.random() < self.fail_rate
        self._fail_next = max(self._fail_next - 1, 0)
        pay.status = "failed" if fails else "captured"
        notice.paid = not fails
        reason = "U30 insufficient funds in payer account" if fails else None
        self._emit(
            "debit_failed" if fails else "debit_success", mandate=m, payment=pay, reason=reason
        )
        return pay

    def revoke(self, mandate_id: str, body: RevokeBody) -> dict[str, Any]:
        """The merchant revokes a mandate; asking again with the same reference returns the
        first answer (no second webhook)."""
        with self._lock:
            if self._unavailable_next > 0:
                self._unavailable_next -= 1
                raise HTTPException(503, "PSP temporarily unavailable")
            known = self._by_ref.get(("revoke", body.reference))
            if known is None:
                m = self._mandate(mandate_id)
                if m.status not in ("created", "active", "paused"):
                    raise HTTPException(409, f"mandate {m.id} is {m.status}: cannot revoke")
                m.status = "cancelled"
                self._emit("mandate_revoked", mandate=m, reason=body.reason or None)
                known = {"id": m.id, "status": m.status, "revocation": body.reference}
                self._by_ref[("revoke", body.reference)] = known
            return known

    def unavailable_next(self, count: int) -> None:
        """Answer the next ``count`` revoke calls 503 (an outage), then work again."""
        with self._lock:
            self._unavailable_next = count

    def fail_next(self, count: int) -> None:
        """Make the next ``count`` debits fail (insufficient funds), then succeed again."""
        with self._lock:
            self._fail_next = count

    def refund(self, payment_id: str) -> dict[str, Any]:
        with self._lock:
            pay = self.payments.get(payment_id)
            if pay is None or pay.status != "captured":
                raise HTTPException(409, f"payment {payment_id} cannot be refunded")
            pay.status = "refunded"
            refund_id = self._next("rfnd")
            pay.refunds.append(refund_id)
            m = self.mandates[pay.mandate_id]
            self._emit("refund_processed", mandate=m, payment=pay, refund_id=refund_id)
            return {"id": refund_id, "payment_id": pay.id, "amount": str(pay.amount)}

    # -- delivery ------------------------------------------------------------------------
    def deliver(self) -> int:
        """Post every queued webhook (shuffled, some twice); return how many were sent."""
        with self._lock:
            batch, self.queue = self.queue, []
            sends = [
                e
                for e in batch
                for _ in range(2 if self._rng.random() < self.duplicate_rate else 1)
            ]
            if self.out_of_order:
                self._rng.shuffle(sends)
        if not self.webhook_url:
            return 0
        with httpx.Client(timeout=15.0) as client:
            for n, event in enumerate(sends):
                try:
                    self._post(client, event)
                except httpx.HTTPError:
                    with self._lock:  # why: at least once: what was not taken is sent later
                        self.queue[:0] = sends[n:]
                    raise
        return len(sends)

    def _post(self, client: httpx.Client, event: dict[str, Any]) -> None:
        body = json.dumps(event["body"], default=str).encode()
        headers = sign(
            self.scheme, self.webhook_secret, event["id"], int(self.clock().timestamp()), body
        )
        headers["content-type"] = "application/json"
        response = client.post(self.webhook_url, content=body, headers=headers)
        self.delivered.append((event["id"], response.status_code))
        if response.status_code >= 500:
            raise httpx.HTTPStatusError("hub error", request=response.request, response=response)

    # -- HTTP ----------------------------------------------------------------------------
    def _build_app(self) -> FastAPI:
        app = FastAPI(title="UPI AutoPay PSP sandbox")
        app.post("/v1/mandates")(self.create_mandate)
        app.post("/v1/mandates/{mandate_id}/notifications")(self.notify)
        app.post("/v1/mandates/{mandate_id}/debits")(self.debit)
        app.post("/v1/mandates/{mandate_id}/revoke")(self.revoke)
        app.post("/v1/mandates/{mandate_id}/cancel")(
            lambda mandate_id: self.act(mandate_id, "cancel")
        )
        app.post("/_sandbox/mandates/{mandate_id}/{action}")(self.act)
        app.post("/_sandbox/payments/{payment_id}/refund")(self.refund)
        app.post("/_sandbox/deliver")(lambda: {"sent": self.deliver()})

        @app.get("/approve/{mandate_id}")
        def approval_page(mandate_id: str) -> dict[str, Any]:
            m = self._mandate(mandate_id)
            return {
                "mandate": m.id,
                "amount": str(m.amount),
                "rule": m.amount_rule,
                "status": m.status,
                "approve": f"/_sandbox/mandates/{m.id}/approve",
            }

        @app.get("/_sandbox/state")
        def state() -> dict[str, Any]:
            return {
                "mandates": len(self.mandates),
                "payments": len(self.payments),
                "queued": len(self.queue),
                "delivered": len(self.delivered),
            }

        return app

    def start(self) -> PspSandbox:
        self.server = SandboxServer(self.app).start()
        if self._deliver_every_s:
            self._pump = threading.Thread(target=self._pump_loop, daemon=True, name="psp-pump")
            self._pump.start()
        return self

    def _pump_loop(self) -> None:
        """Deliver queued webhooks every few seconds (``sangam sandbox``: no test drives it)."""
        while not self._stop.wait(self._deliver_every_s):
            try:
                self.deliver()
            except httpx.HTTPError:
                continue  # why: the hub may not be up yet; the events wait in the queue

    def stop(self) -> None:
        self._stop.set()
        if self._pump is not None:
            self._pump.join(timeout=5)
            self._pump = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def base_url(self) -> str:
        assert self.server is not None, "start the sandbox first"
        return self.server.base_url

    def endpoints(self) -> dict[str, str]:
        return {
            "api": self.base_url,
            "webhooks_to": self.webhook_url or "(none)",
            "dialect": self.dialect,
            "counterpart_config": json.dumps(self.counterpart_config()),
        }

    def counterpart_config(self, **settings: object) -> dict[str, Any]:
        """Return an ``upi_autopay_psp`` counterpart config pointing at this sandbox (its
        secrets: ``webhook_secret`` = the sandbox's, any ``api_key``)."""
        return {
            "dialect": self.dialect,
            "signature_scheme": str(self.scheme),
            "base_url": self.base_url,
            **settings,
        }

    def __enter__(self) -> PspSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _from_env(env: SandboxEnv) -> PspSandbox:
    return PspSandbox(
        seed=env.seed,
        webhook_url=f"{env.hub_url}/api/v1/webhooks/demo/psp_sandbox",
        webhook_secret="sandbox-psp-secret",
        scheme=Scheme.HMAC_BODY,
        duplicate_rate=0.1,
        auto_approve=True,
        deliver_every_s=2.0,
    )


SANDBOX = SandboxSpec(
    name="psp",
    description="UPI AutoPay PSP: mandates, pre-debit notices, debits, signed webhooks",
    build=_from_env,
)
