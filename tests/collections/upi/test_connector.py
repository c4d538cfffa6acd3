"""The PSP connector passes the shared connector conformance suite."""

from __future__ import annotations

from connectors.sdk.conformance import conformance_suite
from connectors.upi_autopay.connector import UpiAutopayPsp

TestUpiAutopayPsp = conformance_suite(
    UpiAutopayPsp,
    config={"dialect": "psp_token_events", "base_url": "http://127.0.0.1:9"},
    secrets={"webhook_secret": "whsec_c2VjcmV0", "api_key": "psp-api-key-0042"},
)
