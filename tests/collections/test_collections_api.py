"""The collections API: mandates created, listed with the account masked, cancelled."""

from __future__ import annotations

from tests.support.factories import auth_header
from tests.support.loans import make_loan, make_product


def test_mandate_api_round_trip(client, db, tenant, admin):
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    headers = auth_header(admin, tenant)
    body = {
        "loan_id": loan.id,
        "kind": "nach_physical",
        "debtor_name": "Ravi Kumar",
        "debtor_account": "001234567890",
        "debtor_ifsc": "HDFC0001234",
        "amount": "10000.00",
        "start_date": "2024-01-01",
        "reference": "HDFC7000000000000099",
    }
    created = client.post("/api/v1/mandates", json=body, headers=headers)
    assert created.status_code == 201, created.text
    mandate = created.json()
    assert (mandate["status"], mandate["debtor_account_masked"]) == ("registered", "XXXXXXXX7890")
    assert "001234567890" not in created.text
    assert [e["kind"] for e in mandate["history"]] == ["initiated", "registered"]

    listed = client.get(f"/api/v1/mandates?loan_id={loan.id}", headers=headers).json()
    assert [m["id"] for m in listed] == [mandate["id"]] and listed[0]["amount"] == "10000.00"

    cancel = client.post(
        f"/api/v1/mandates/{mandate['id']}/cancel", json={"reason": "closed"}, headers=headers
    )
    # the bank registered it: cancelling is a request the next pain.011 batch carries
    assert cancel.json()["status"] == "cancel_requested"
    again = client.post(
        f"/api/v1/mandates/{mandate['id']}/cancel", json={"reason": "x"}, headers=headers
    )
    assert again.status_code == 409
    bad = client.post(
        "/api/v1/mandates", json=body | {"amount": "0.00", "reference": None}, headers=headers
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/nach/presentations", headers=headers).json() == []
    assert client.get("/api/v1/nach/bounce-reasons", headers=headers).json() == []
