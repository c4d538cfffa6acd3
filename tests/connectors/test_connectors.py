"""Connector registry, counterparts with encrypted secrets, and the built-in connectors'
conformance."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from connectors.sdk import registry
from connectors.sdk.builtin import HttpPost, SftpDrop, SftpPickup, StandardWebhookReceiver
from connectors.sdk.conformance import conformance_suite
from connectors.sdk.registry import UnknownConnector
from hub.integration import counterparts as cp
from hub.platform.errors import NotFound, Unprocessable
from lms_core.persistence.platform import audit_repository
from tests.support.factories import auth_header

SFTP = {
    "host": "127.0.0.1",
    "port": 2222,
    "username": "sangam",
    "host_key_fingerprint": "SHA256:abc",
}

TestStandardWebhooks = conformance_suite(
    StandardWebhookReceiver, config={}, secrets={"webhook_secret": "whsec_c2VjcmV0"}
)
TestHttpPost = conformance_suite(
    HttpPost, config={"base_url": "http://127.0.0.1:9"}, secrets={"api_key": "k-123456"}
)
TestSftpDrop = conformance_suite(SftpDrop, config=SFTP, secrets={"password": "pw-123456"})
TestSftpPickup = conformance_suite(SftpPickup, config=SFTP, secrets={"password": "pw-123456"})


def test_an_unknown_slug_names_the_known_ones():
    with pytest.raises(UnknownConnector, match="no connector 'nach_v9' \\(known: http_post, "):
        registry.get("nach_v9")
    with pytest.raises(NotFound, match="no connector 'nach_v9' \\(known: http_post, "):
        cp.connector_class("nach_v9")  # what the hub raises: a 404


def test_secrets_are_encrypted_at_rest_and_masked(db, tenant, cipher):
    row = cp.register(
        db,
        cipher,
        tenant.id,
        "hdfc",
        kind="partner_bank",
        connector="http_post",
        config={"base_url": "https://partner.example"},
        secrets={"api_key": "top-secret-key"},
    )
    stored = db.scalar(text("select secrets from counterpart where id = :i"), {"i": row.id})
    assert "top-secret-key" not in stored
    assert cipher.open(stored) == {"api_key": "top-secret-key"}
    view = cp.public_view(row, cipher)
    assert view.secrets == {"api_key": "***"}
    assert cp.connector_for(cipher, row).config.secret("api_key") == "top-secret-key"


def test_a_bad_config_is_refused_naming_every_problem(db, tenant, cipher):
    with pytest.raises(Unprocessable) as err:
        cp.register(
            db,
            cipher,
            tenant.id,
            "x",
            kind="partner_bank",
            connector="http_post",
            config={"api_key": "oops", "timeout_s": True},
            secrets={},
        )
    assert str(err.value) == (
        "invalid configuration: 'api_key' is a secret: give it with the secrets; "
        "'base_url' is required; 'timeout_s' must be number"
    )


def test_the_api_never_returns_or_audits_a_secret(client, db, tenant, admin):
    headers = auth_header(admin, tenant)
    body = {
        "code": "axis",
        "kind": "partner_bank",
        "connector": "http_post",
        "config": {"base_url": "https://axis.example"},
        "secrets": {"api_key": "sk-live-999"},
    }
    created = client.post("/api/v1/hub/counterparts", json=body, headers=headers)
    assert created.status_code == 201
    assert created.json()["secrets"] == {"api_key": "***"}
    listed = client.get("/api/v1/hub/counterparts", headers=headers)
    assert "sk-live-999" not in listed.text
    [entry] = audit_repository.entries(db, tenant.id, entity_type="counterpart")
    assert "sk-live-999" not in str(entry.after)
    bad = client.post(
        "/api/v1/hub/counterparts", json={**body, "code": "b", "connector": "nope"}, headers=headers
    )
    assert bad.status_code == 422
