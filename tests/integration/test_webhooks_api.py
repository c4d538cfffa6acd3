"""POST /api/v1/webhooks/{tenant}/{source}: verify, store raw, 202, enqueue only when new."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from connectors.sdk.transport import webhook_signing
from hub.integration import counterparts as cp
from hub.integration.counterparts import Cipher
from lms_core.persistence.integration import inbox_repository
from tests.support.clock import T0

SECRET = webhook_signing.generate_secret()
NOW = int(T0.timestamp())


@pytest.fixture
def psp(db, tenant, settings, app):
    app.state.hub_clock = lambda: T0
    cipher = Cipher(settings.encryption_key_value())
    return cp.register(
        db,
        cipher,
        tenant.id,
        "razorpay",
        kind="upi_autopay",
        connector="standard_webhooks",
        secrets={"webhook_secret": SECRET},
    )


def post(
    client, tenant, body: bytes, *, msg_id="evt_1", stamp=NOW, secret=SECRET, source="razorpay"
):
    headers = webhook_signing.signed_headers(secret, msg_id, stamp, body)
    return client.post(f"/api/v1/webhooks/{tenant.code}/{source}", content=body, headers=headers)


def jobs_for(db, item_id):
    return db.scalar(
        text(
            "select count(*) from procrastinate_jobs where task_name = 'sangam:inbox_process' "
            "and (args->>'item_id')::bigint = :i"
        ),
        {"i": item_id},
    )


BODY = json.dumps({"type": "mandate.debit", "amount": "1500.00", "loan": "42"}).encode()


def test_a_signed_webhook_is_stored_raw_answered_202_and_enqueued(client, db, tenant, psp):
    response = post(client, tenant, BODY)
    assert response.status_code == 202
    item_id = response.json()["inbox_item"]
    assert response.json()["duplicate"] is False
    item = inbox_repository.get(db, tenant.id, item_id)
    assert (item.channel, item.source, item.external_id, item.document_kind) == (
        "webhook",
        "razorpay",
        "evt_1",
        "mandate.debit",
    )
    assert inbox_repository.blob_data(db, tenant.id, item.sha256) == BODY
    assert "webhook-signature" not in item.headers
    assert jobs_for(db, item_id) == 1


def test_a_duplicate_webhook_is_acknowledged_and_ignored(client, db, tenant, psp):
    first = post(client, tenant, BODY).json()
    again = post(client, tenant, BODY)
    assert again.status_code == 202
    assert again.json() == {"inbox_item": first["inbox_item"], "duplicate": True}
    assert jobs_for(db, first["inbox_item"]) == 1


@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        ({"secret": webhook_signing.generate_secret()}, "no webhook-signature matches"),
        ({"stamp": NOW - 301}, f"webhook-timestamp {NOW - 301} is 301 s from now"),
    ],
    ids=["bad-signature", "replayed-timestamp"],
)
def test_a_webhook_failing_verification_is_401_and_kept_as_rejected(
    client, db, tenant, psp, kwargs, detail
):
    response = post(client, tenant, BODY, **kwargs)
    assert response.status_code == 401
    assert response.json()["detail"] == f"webhook verification failed: {detail}"
    [item] = inbox_repository.list_items(db, tenant.id)
    assert (item.status, item.document_kind) == ("rejected", "rejected")
    assert item.reason == f"verification failed: {detail}"
    assert jobs_for(db, item.id) == 0


def test_unknown_source_or_tenant_is_404_and_nothing_is_stored(client, db, tenant, psp):
    assert post(client, tenant, BODY, source="nobody").status_code == 404
    response = client.post("/api/v1/webhooks/no-such-tenant/razorpay", content=BODY)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert inbox_repository.list_items(db, tenant.id) == []
