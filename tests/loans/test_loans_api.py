"""The servicing API end to end on one loan: book, disburse, pay (idempotently), view."""

from datetime import date

from hub.platform.auth.permissions import Role
from tests.support.factories import auth_header, make_user
from tests.support.loans import PERSONAL_LOAN, close_days_through

LOAN = {
    "product": "PL",
    "terms": {
        "principal": "100000",
        "annual_rate": "12",
        "tenure": 12,
        "disbursement_date": "2024-01-01",
        "first_due_date": "2024-02-01",
    },
    "parties": [{"role": "borrower", "name": "Ravi Kumar", "pan": "ABCDE1234F"}],
}


def _setup(client, db, tenant, admin):
    headers = auth_header(admin, tenant)
    product = client.post(
        "/api/v1/products",
        json={"code": "PL", "name": "Personal loan", **PERSONAL_LOAN},
        headers=headers,
    )
    assert product.status_code == 201, product.text
    loan = client.post("/api/v1/loans", json=LOAN, headers=headers)
    assert loan.status_code == 201, loan.text
    loan_id = loan.json()["id"]
    assert client.post(f"/api/v1/loans/{loan_id}/disburse", headers=headers).status_code == 200
    return headers, loan_id


def test_book_disburse_pay_with_idempotency_key(client, db, tenant, admin):
    headers, loan_id = _setup(client, db, tenant, admin)
    summary = client.get(f"/api/v1/loans/{loan_id}", headers=headers).json()
    assert summary["outstanding"]["loan_principal"] == "100000.00"
    assert summary["parties"] == [{"role": "borrower", "name": "Ravi Kumar", "pan": "XXXXXX234F"}]
    close_days_through(db, tenant, date(2024, 1, 31))
    pay = {"amount": "8884.88", "channel": "upi", "reference": "UPI123"}
    key = {**headers, "Idempotency-Key": "pay-1"}
    first = client.post(f"/api/v1/loans/{loan_id}/repayments", json=pay, headers=key)
    again = client.post(f"/api/v1/loans/{loan_id}/repayments", json=pay, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = client.post(
        f"/api/v1/loans/{loan_id}/repayments", json={**pay, "amount": "1"}, headers=key
    )
    assert other.status_code == 422
    txns = client.get(f"/api/v1/loans/{loan_id}/transactions", headers=headers).json()
    assert [t["amount"] for t in txns] == ["8884.88"]
    schedule = client.get(f"/api/v1/loans/{loan_id}/schedule", headers=headers).json()
    assert (schedule[0]["status"], schedule[0]["paid"]) == ("paid", "8884.88")
    assert schedule[1]["status"] == "unpaid"


def test_bad_repayments_are_4xx_and_post_nothing(client, db, tenant, admin):
    headers, loan_id = _setup(client, db, tenant, admin)
    assert (
        client.post(
            "/api/v1/loans/999999/repayments", json={"amount": "10"}, headers=headers
        ).status_code
        == 404
    )
    negative = client.post(
        f"/api/v1/loans/{loan_id}/repayments", json={"amount": "-10"}, headers=headers
    )
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "amount"
    floaty = client.post(
        f"/api/v1/loans/{loan_id}/repayments", json={"amount": 10.5}, headers=headers
    )
    assert floaty.status_code == 422
    future = client.post(
        f"/api/v1/loans/{loan_id}/repayments",
        json={"amount": "10", "value_date": "2030-01-01"},
        headers=headers,
    )
    assert future.status_code == 422
    assert client.get(f"/api/v1/loans/{loan_id}/transactions", headers=headers).json() == []


def test_loan_terms_outside_the_product_are_refused(client, db, tenant, admin):
    headers, _ = _setup(client, db, tenant, admin)
    bad = {**LOAN, "terms": {**LOAN["terms"], "annual_rate": "48", "tenure": 120}}
    response = client.post("/api/v1/loans", json=bad, headers=headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"annual_rate", "tenure"}


def test_collections_agent_cannot_book(client, db, tenant):
    agent = make_user(db, tenant, roles=(Role.COLLECTIONS_AGENT,))
    assert (
        client.post("/api/v1/loans", json=LOAN, headers=auth_header(agent, tenant)).status_code
        == 403
    )


def test_product_api_takes_buckets_write_off_gst_and_reset_rules(client, db, tenant, admin):
    headers = auth_header(admin, tenant)
    buckets = [
        {"label": "current", "min_dpd": 0, "max_dpd": 0},
        {"label": "1-30", "min_dpd": 1, "max_dpd": 30},
        {"label": "31-90", "min_dpd": 31, "max_dpd": 90},
        {"label": "90+", "min_dpd": 91, "max_dpd": None},
    ]
    body = {
        "code": "PLX", "name": "Personal loan X", **PERSONAL_LOAN, "dpd_buckets": buckets,
        "write_off_dpd": 180, "charges_gst_percent": "18", "reset_recompute": "keep_installment",
    }  # fmt: skip
    made = client.post("/api/v1/products", json=body, headers=headers)
    assert made.status_code == 201, made.text
    rules = made.json()["rules"]
    assert (rules["write_off_dpd"], rules["charges_gst_percent"]) == (180, "18")
    assert rules["reset_recompute"] == "keep_installment"
    assert [b["label"] for b in rules["dpd_buckets"]] == ["current", "1-30", "31-90", "90+"]

    gap = [*buckets[:2], {"label": "40+", "min_dpd": 40, "max_dpd": None}]  # 31-39 uncovered
    refused = client.post(
        "/api/v1/products", json={**body, "code": "PLY", "dpd_buckets": gap}, headers=headers
    )
    assert refused.status_code == 422
    assert "dpd_buckets[2] must start at the day after bucket 1" in refused.text
