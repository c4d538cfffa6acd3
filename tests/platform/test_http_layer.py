"""The thin HTTP layer: remembered token checks, the plain-ASGI request context.

``verify_token`` must answer exactly as ``decode_token`` does (same principal, same
errors), only cheaper on a repeat: an expired token is refused even when its check was
remembered, a token is remembered per secret, a failed check is never remembered.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from hub.platform.auth.security import Principal, _verified, decode_token, issue_token, verify_token
from tests.support.factories import TEST_SECRET, auth_header, make_user

ALICE = Principal(7, "alice", 3, "acme", ("loan_officer", "auditor"))
OTHER_SECRET = "another-secret-not-for-production-0123456789"


def _expiring_in_about_a_second() -> str:
    """A token that expires within 1.3 s (issued a minute back, one minute to live)."""
    exp = int(time.time() + 0.3) + 1  # 0.3 to 1.3 s from now
    issued = datetime.fromtimestamp(exp, UTC) - timedelta(minutes=1)
    return issue_token(ALICE, TEST_SECRET, 1, now=issued)


def test_verify_token_answers_as_decode_token_and_remembers():
    token = issue_token(ALICE, TEST_SECRET, 60)
    before = _verified.cache_info()
    assert verify_token(token, TEST_SECRET) == decode_token(token, TEST_SECRET) == ALICE
    assert verify_token(token, TEST_SECRET) == ALICE
    after = _verified.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


def test_an_expired_token_is_refused_though_its_check_was_remembered():
    token = _expiring_in_about_a_second()
    assert verify_token(token, TEST_SECRET) == ALICE  # remembered now
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(jwt.ExpiredSignatureError, match="Signature has expired"):
        verify_token(token, TEST_SECRET)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(token, TEST_SECRET)


def test_a_token_remembered_under_one_secret_is_refused_under_another():
    token = issue_token(ALICE, TEST_SECRET, 60)
    assert verify_token(token, TEST_SECRET) == ALICE
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(token, OTHER_SECRET)


def test_failed_checks_are_not_remembered():
    token = issue_token(ALICE, TEST_SECRET, 60)
    verify_token(token, TEST_SECRET)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    size = _verified.cache_info().currsize
    for _ in range(2):
        with pytest.raises(jwt.InvalidSignatureError):
            verify_token(forged, TEST_SECRET)
    with pytest.raises(jwt.DecodeError):
        verify_token("nonsense", TEST_SECRET)
    assert _verified.cache_info().currsize == size


def test_the_api_refuses_an_expired_token_it_accepted_before(client):
    token = _expiring_in_about_a_second()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == "alice"
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid token: Signature has expired"


def test_forbidden_stays_forbidden_on_a_remembered_token(client, db, tenant):
    user = make_user(db, tenant, roles=("auditor",))
    headers = auth_header(user, tenant)
    for _ in range(2):
        response = client.post("/api/v1/users", json={}, headers=headers)
        assert response.status_code == 403
        assert response.json()["detail"] == "permission user:admin is required"


def test_an_unexpected_error_quotes_the_request_id(app):
    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"x-request-id": "req-42"})
    assert response.status_code == 500
    assert response.json()["request_id"] == "req-42"


def test_request_context_on_errors_and_unmatched_paths(client):
    response = client.get("/api/v1/auth/me", headers={"x-request-id": "abc"})
    assert (response.status_code, response.headers["x-request-id"]) == (401, "abc")
    assert client.get("/nowhere").status_code == 404
    metrics = client.get("/metrics").text
    # the route label is the route's template as FastAPI keeps it (no router prefix)
    assert 'sangam_http_requests_total{method="GET",route="/auth/me",status="401"}' in metrics
    assert 'route="unmatched",status="404"' in metrics


def test_security_headers_on_pages_only(client):
    page = client.get("/ui/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert len(page.headers["x-request-id"]) == 32
    api = client.get("/health")
    assert "x-frame-options" not in api.headers
    assert "content-security-policy" not in api.headers
