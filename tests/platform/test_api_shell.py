"""API shell: probes, problem JSON, authentication, permissions, audit."""

from fastapi.routing import APIRoute

from hub.platform.auth.permissions import Role
from hub.platform.http.deps import declared_permission
from lms_core.persistence.platform import audit_repository
from tests.support.factories import auth_header, make_user

# Inbound webhooks authenticate by the sender's signature, not a bearer token.
PUBLIC = {"/api/v1/auth/token", "/api/v1/webhooks/{source}", "/api/v1/webhooks/{tenant}/{source}"}


def test_health_and_metrics(client):
    assert client.get("/health").json() == {"status": "ok"}
    client.get("/health")
    metrics = client.get("/metrics").text
    assert 'sangam_http_requests_total{method="GET",route="/health",status="200"}' in metrics


def test_request_id_is_echoed_or_made(client):
    assert (
        client.get("/health", headers={"x-request-id": "abc123"}).headers["x-request-id"]
        == "abc123"
    )
    assert len(client.get("/health").headers["x-request-id"]) == 32


def test_every_api_endpoint_declares_a_permission(app):
    undeclared = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/v1"):
            continue
        calls = [d.call for d in route.dependant.dependencies]
        if route.path not in PUBLIC and not any(declared_permission(c) for c in calls):
            undeclared.append(route.path)
    assert undeclared == []


def test_no_token_is_401_problem_json(client):
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["title"] == "Not authenticated"


def test_bad_token_is_401(client):
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert "invalid token" in response.json()["detail"]


def test_missing_permission_is_403(client, db, tenant):
    auditor = make_user(db, tenant, roles=(Role.AUDITOR,))
    response = client.post("/api/v1/users", json={}, headers=auth_header(auditor, tenant))
    assert response.status_code == 403
    assert response.json()["detail"] == "permission user:admin is required"


def test_password_login_issues_a_working_token(client, db, tenant):
    make_user(db, tenant, username="asha", roles=(Role.FINANCE,), password="s3cret-pass-word")
    response = client.post(
        "/api/v1/auth/token",
        data={"username": f"{tenant.code}/asha", "password": "s3cret-pass-word"},
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "asha" and me["roles"] == ["finance"]
    assert "ledger:post" in me["permissions"]
    wrong = client.post(
        "/api/v1/auth/token", data={"username": f"{tenant.code}/asha", "password": "nope"}
    )
    assert wrong.status_code == 401


def test_validation_errors_list_every_field(client, db, tenant, admin):
    response = client.post(
        "/api/v1/users", json={"username": "X", "roles": []}, headers=auth_header(admin, tenant)
    )
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["password", "roles", "username"]


def test_a_write_is_audited_with_before_and_after(client, db, tenant, admin):
    body = {"username": "ravi", "password": "long-enough-pw", "roles": ["loan_officer"]}
    assert (
        client.post("/api/v1/users", json=body, headers=auth_header(admin, tenant)).status_code
        == 201
    )
    conflict = client.post("/api/v1/users", json=body, headers=auth_header(admin, tenant))
    assert conflict.status_code == 409
    [entry] = audit_repository.entries(db, tenant.id, entity_type="user")
    assert (entry.actor, entry.action, entry.before) == (admin.username, "user.create", None)
    assert entry.after == {"username": "ravi", "roles": ["loan_officer"], "full_name": ""}
    assert "password" not in str(entry.after)
    assert audit_repository.verify_chain(db) == []


def test_manual_journal_api_refuses_imbalance_and_reverses(client, db, tenant, admin):
    headers = auth_header(admin, tenant)
    bad = {
        "postings": [
            {"account": "OPERATING_BANK", "amount": "100"},
            {"account": "CAPITAL", "amount": "-99"},
        ]
    }
    response = client.post("/api/v1/ledger/journals", json=bad, headers=headers)
    assert response.status_code == 422
    assert (
        response.json()["errors"][0]["message"] == "unbalanced in INR: debits exceed credits by 1"
    )
    floaty = {
        "postings": [
            {"account": "OPERATING_BANK", "amount": 100.5},
            {"account": "CAPITAL", "amount": "-100.5"},
        ]
    }
    assert client.post("/api/v1/ledger/journals", json=floaty, headers=headers).status_code == 422
    good = {
        "postings": [
            {"account": "OPERATING_BANK", "amount": "100"},
            {"account": "CAPITAL", "amount": "-100"},
        ]
    }
    posted = client.post("/api/v1/ledger/journals", json=good, headers=headers)
    assert posted.status_code == 201
    jid = posted.json()["id"]
    assert (
        client.post(
            f"/api/v1/ledger/journals/{jid}/reverse", json={"reason": "test"}, headers=headers
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/ledger/journals/{jid}/reverse", json={"reason": "again"}, headers=headers
        ).status_code
        == 409
    )
    balances = client.get(
        "/api/v1/ledger/balances", params={"account": "OPERATING_BANK"}, headers=headers
    ).json()
    assert balances == [
        {
            "account": "OPERATING_BANK",
            "owner": "*",
            "loan_id": None,
            "currency": "INR",
            "balance": "0.00",
        }
    ]
    assert client.get("/api/v1/ledger/journals/999999", headers=headers).status_code == 404
