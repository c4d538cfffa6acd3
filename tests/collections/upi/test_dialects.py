"""Both PSP dialects map to the same canonical events; signatures are checked per PSP.

The payloads below are written out the way each PSP sends them (not produced by our
sandbox), so the mappings are checked against the wire text itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from connectors.sdk.transport.webhook_signing import generate_secret
from connectors.upi_autopay.sandbox import SandboxMandate, SandboxNotice, SandboxPayment
from connectors.upi_autopay.sandbox_dialects import render
from connectors.upi_autopay.signing import Scheme, sign
from formats.upi.autopay_events import Dialect, EventKind, EventProblem, UpiEvent, parse_event
from lms_core.persistence.integration.models import InboxItem
from tests.collections.upi.conftest import PSP, SECRET, register_psp

# 2024-04-05 12:00:00 IST = 06:30:00 UTC = Unix 1712298600
AT = datetime(2024, 4, 5, 6, 30, tzinfo=UTC)

TOKEN_PAUSED = b"""{"entity": "event", "id": "evt_Nk1", "event": "token.paused",
 "created_at": 1712298600,
 "payload": {"token": {"id": "token_Mx9", "entity": "token", "status": "paused",
   "recurring_details": {"umn": "a1b2c3@razor", "failure_reason": null},
   "notes": {"mandate_ref": "SGM0001"}}}}"""
SUBSCRIPTION_PAUSED = b"""{"event_id": "evt_Nk1", "type": "SUBSCRIPTION_STATUS_CHANGED",
 "event_time": "2024-04-05T12:00:00+05:30",
 "data": {"subscription_details": {"subscription_id": "SGM0001", "cf_subscription_id": "token_Mx9",
   "subscription_status": "CUSTOMER_PAUSED", "umn": "a1b2c3@razor"}}}"""

TOKEN_CAPTURED = b"""{"entity": "event", "id": "evt_Pq2", "event": "payment.captured",
 "created_at": 1712298600,
 "payload": {"payment": {"id": "pay_77", "amount": 888488, "status": "captured",
   "notes": {"mandate_ref": "SGM0001", "reference": "UD5-1"}}}}"""
SUBSCRIPTION_SUCCESS = b"""{"event_id": "evt_Pq2", "type": "SUBSCRIPTION_PAYMENT_SUCCESS",
 "event_time": "2024-04-05T06:30:00Z",
 "data": {"subscription_details": {"subscription_id": "SGM0001"}, "payment_id": "UD5-1",
   "cf_payment_id": "pay_77", "payment_amount": 8884.88, "payment_status": "SUCCESS"}}"""


@pytest.mark.parametrize(
    ("token", "subscription", "expected"),
    [
        (
            TOKEN_PAUSED,
            SUBSCRIPTION_PAUSED,
            UpiEvent(
                "evt_Nk1",
                EventKind.MANDATE_PAUSED,
                AT,
                mandate_ref="SGM0001",
                psp_id="token_Mx9",
                umn="a1b2c3@razor",
            ),
        ),
        # 888488 paise = 8884.88 rupees
        (
            TOKEN_CAPTURED,
            SUBSCRIPTION_SUCCESS,
            UpiEvent(
                "evt_Pq2",
                EventKind.DEBIT_SUCCESS,
                AT,
                mandate_ref="SGM0001",
                reference="UD5-1",
                psp_id="pay_77",
                amount=Decimal("8884.88"),
            ),
        ),
    ],
)
def test_wire_payloads_of_both_dialects_map_to_one_event(token, subscription, expected):
    assert parse_event(Dialect.TOKEN_EVENTS, token) == expected
    assert parse_event(Dialect.SUBSCRIPTION_EVENTS, subscription) == expected


FACTS = [
    "mandate_active",
    "mandate_rejected",
    "mandate_paused",
    "mandate_resumed",
    "mandate_cancelled",
    "mandate_expired",
    "notification_initiated",
    "debit_success",
    "debit_failed",
    "refund_processed",
]
CANONICAL = {"mandate_resumed": EventKind.MANDATE_ACTIVE}


@pytest.mark.parametrize("fact", FACTS)
def test_every_fact_reads_the_same_in_both_dialects(fact):
    m = SandboxMandate("mdt_1", "SGM0002", "x@bank", Decimal("9000"), "MAX", "active", "u1@psp")
    subject = {
        "mandate": m,
        "notice": SandboxNotice("ntf_1", "UN3-2024-04", "mdt_1", Decimal("4500.50"), AT),
        "payment": SandboxPayment("pay_1", "UD9-2", "mdt_1", "UN3-2024-04", Decimal("4500.50")),
        "refund_id": "rfnd_1",
        "reason": "U30 insufficient funds"
        if fact in ("debit_failed", "mandate_rejected")
        else None,
    }
    token = parse_event(
        Dialect.TOKEN_EVENTS, _body(render("psp_token_events", fact, "e1", AT, subject))
    )
    sub = parse_event(
        Dialect.SUBSCRIPTION_EVENTS,
        _body(render("psp_subscription_events", fact, "e1", AT, subject)),
    )
    assert token == sub
    assert token.kind == (CANONICAL[fact] if fact in CANONICAL else EventKind(fact))
    assert token.occurred_at == AT


def _body(payload: dict) -> bytes:
    return json.dumps(payload, default=str).encode()


def test_an_unknown_event_type_is_kept_as_ignored_and_a_broken_one_names_the_field():
    body = b'{"id": "e9", "event": "order.paid", "created_at": 1712298600, "payload": {}}'
    assert parse_event(Dialect.TOKEN_EVENTS, body).kind is EventKind.IGNORED
    broken = (
        b'{"event_id": "e9", "type": "SUBSCRIPTION_PAYMENT_SUCCESS", "event_time": "yesterday"}'
    )
    problems = parse_event(Dialect.SUBSCRIPTION_EVENTS, broken)
    assert [p.field for p in problems] == ["occurred_at"]
    assert problems[0].message.startswith("'yesterday' does not match")
    assert parse_event(Dialect.TOKEN_EVENTS, b"[1, 2]") == [
        EventProblem("(body)", "a webhook body must be a JSON object")
    ]


@pytest.mark.parametrize("scheme", list(Scheme))
def test_a_bad_signature_is_refused_with_401_and_kept_as_rejected(
    client, db, cipher, tenant, app, scheme
):
    app.state.hub_clock = lambda: AT

    class Fake:  # the counterpart only needs a dialect, a scheme and a URL to be registered
        dialect, base_url = "psp_token_events", "http://127.0.0.1:9"

    Fake.scheme = scheme
    register_psp(db, cipher, tenant, Fake)
    stamp = int(AT.timestamp())
    url = f"/api/v1/webhooks/{tenant.code}/{PSP}"
    good = sign(scheme, SECRET, "evt_Nk1", stamp, TOKEN_PAUSED)
    forged = sign(scheme, generate_secret(), "evt_Nk1", stamp, TOKEN_PAUSED)
    tampered = TOKEN_PAUSED.replace(b"token.paused", b"token.cancelled")

    assert client.post(url, content=TOKEN_PAUSED, headers=forged).status_code == 401
    assert client.post(url, content=tampered, headers=good).status_code == 401
    assert client.post(url, content=TOKEN_PAUSED, headers={}).status_code == 401
    accepted = client.post(url, content=TOKEN_PAUSED, headers=good)
    assert accepted.status_code == 202
    items = db.scalars(
        select(InboxItem).where(InboxItem.tenant_id == tenant.id).order_by(InboxItem.id)
    )
    # the unsigned copy has the forged copy's bytes: refused again, kept once
    assert [(i.status, i.external_id) for i in items] == [
        ("rejected", None),
        ("rejected", None),
        ("received", "evt_Nk1"),  # deduplicated on the event id from the body
    ]
