"""The UPI AutoPay PSP connector: one counterpart = one PSP account.

It receives the PSP's webhooks (verified with the counterpart's signature scheme, named
by the dialect's mapping) and builds the client of its merchant API. Besides
credentials it declares the PSP's UPI settings read by :mod:`hub.collections.upi`: the
additional-authentication limit per debit and the debit attempts allowed per cycle.
It holds no business rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from pydantic import SecretStr

from connectors.sdk.base import ConfigField, FieldType, Health, InboundWebhook
from connectors.sdk.transport import http
from connectors.sdk.transport.errors import FatalError
from connectors.upi_autopay.api import PspApi
from connectors.upi_autopay.signing import Scheme, verify
from formats.upi.autopay_events import Dialect, UpiEvent, parse_event

DOCUMENT_KIND = "upi_event"


class UpiAutopayPsp(InboundWebhook):
    slug = "upi_autopay_psp"
    description = "UPI AutoPay PSP: mandates, pre-debit notices, debits and their webhooks"
    document_kinds = (DOCUMENT_KIND,)
    config_schema = (
        ConfigField(
            "dialect", required=True, description="psp_token_events | psp_subscription_events"
        ),
        ConfigField("signature_scheme", default=str(Scheme.STANDARD_WEBHOOKS)),
        ConfigField("base_url", required=True, description="the PSP's merchant API"),
        ConfigField("timeout_s", FieldType.NUMBER, default=15),
        ConfigField("tolerance_s", FieldType.INTEGER, default=300),
        ConfigField(
            "additional_auth_limit",
            FieldType.NUMBER,
            default="15000",
            description="per-debit limit (rupees) above which the payer must authenticate",
        ),
        ConfigField("max_debit_attempts", FieldType.INTEGER, default=3),
        ConfigField("settlement_days", FieldType.INTEGER, default=1, description="T+n payout"),
        ConfigField("webhook_secret", required=True, secret=True),
        ConfigField("previous_secret", secret=True),
        ConfigField("api_key", secret=True),
    )

    @property
    def dialect(self) -> Dialect:
        try:
            return Dialect(self.config.get("dialect"))
        except ValueError:
            raise FatalError(
                f"unknown dialect {self.config.get('dialect')!r}",
                counterpart=self.config.counterpart,
            ) from None

    @property
    def scheme(self) -> Scheme:
        try:
            return Scheme(self.config.get("signature_scheme"))
        except ValueError:
            raise FatalError(
                f"unknown signature scheme {self.config.get('signature_scheme')!r}",
                counterpart=self.config.counterpart,
            ) from None

    def health(self) -> Health:
        _ = self.dialect, self.scheme
        return Health(True, f"{self.dialect} webhooks, {self.scheme} signatures")

    def verify(self, headers: Mapping[str, str], body: bytes, now: float) -> str:
        """Check the signature; return the event id (the body's, which we dedupe on)."""
        keys = [self.config.secret("webhook_secret")]
        if "previous_secret" in self.config.secrets:
            keys.append(self.config.secret("previous_secret"))
        tolerance = int(self.config.get("tolerance_s", 300))
        delivery_id = verify(self.scheme, keys, headers, body, now=now, tolerance_s=tolerance)
        event = self.event(body)
        if isinstance(event, UpiEvent):
            return event.event_id
        # why: a signed but unreadable body is still kept, and quarantined with its reason
        return delivery_id or "sha256:" + hashlib.sha256(body).hexdigest()

    def event(self, body: bytes) -> UpiEvent | list:
        """Return the canonical event of a body (or its problems) in this PSP's dialect."""
        return parse_event(self.dialect, body)

    def document_kind(self, headers: Mapping[str, str], body: bytes) -> str:
        return DOCUMENT_KIND

    def api(self) -> PspApi:
        """Return a client of the PSP's merchant API (the caller closes it)."""
        auth = None
        if "api_key" in self.config.secrets:
            auth = http.ApiKeyAuth(SecretStr(self.config.secret("api_key")))
        endpoint = http.HttpEndpoint(
            self.config.counterpart,
            self.config.get("base_url"),
            read_timeout_s=float(self.config.get("timeout_s", 15)),
            auth=auth,
        )
        return PspApi(self.config.counterpart, http.build_client(endpoint))
