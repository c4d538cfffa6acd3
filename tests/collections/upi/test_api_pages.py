"""The UPI API and pages over one mandate and one cycle, with the PSP sandbox on loopback."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hub.collections.upi.psp import rules_of
from lms_core.persistence.loans.models import Repayment
from tests.collections.upi.conftest import PSP
from tests.support.factories import auth_header
from tests.support.loans import close_days_through
from tests.support.web import sign_in


def test_mandate_notice_and_debit_through_the_api_then_the_pages_show_them(
    client, flow, db, tenant, admin, loan, clock
):
    headers = auth_header(admin, tenant)
    body = {
        "loan_id": loan.id,
        "psp": PSP,
        "payer_vpa": "meera.iyer@oksbi",
        "payer_name": "Meera Iyer",
        "amount": "9000.00",
        "amount_rule": "MAX",
        "recurrence": "MONTHLY",
        "start_date": "2024-01-01",
        "end_date": "2026-12-31",
    }
    created = client.post(
        "/api/v1/upi/mandates", json=body, headers={**headers, "Idempotency-Key": "m-1"}
    )
    assert created.status_code == 201, created.text
    mandate = created.json()
    again = client.post(
        "/api/v1/upi/mandates", json=body, headers={**headers, "Idempotency-Key": "m-1"}
    )
    assert again.json()["id"] == mandate["id"]
    assert (mandate["status"], mandate["payer_vpa"], mandate["amount"]) == (
        "submitted",
        "me***@oksbi",
        "9000.00",
    )
    assert len(flow.sandbox.mandates) == 1  # the retried request did not create a second one

    flow.sandbox.act(mandate["psp_mandate_id"], "approve")
    flow.settle()
    detail = client.get(f"/api/v1/upi/mandates/{mandate['id']}", headers=headers).json()
    assert detail["status"] == "registered"
    assert [h["kind"] for h in detail["history"]] == ["initiated", "submitted", "registered"]
    assert [e["outcome"] for e in detail["events"]] == ["applied"]

    notice = client.post(
        f"/api/v1/upi/mandates/{mandate['id']}/notices",
        headers=headers,
        json={"amount": "8884.88", "debit_date": "2024-01-02"},
    )
    assert notice.status_code == 201, notice.text
    cycle = notice.json()
    close_days_through(db, tenant, date(2024, 1, 1))
    early = client.post(
        f"/api/v1/upi/cycles/{cycle['id']}/debit", headers=headers, json={"amount": "8884.88"}
    )
    assert early.status_code == 409
    assert "younger than 24 h" in early.json()["detail"]
    clock.advance(hours=24)
    wrong = client.post(
        f"/api/v1/upi/cycles/{cycle['id']}/debit", headers=headers, json={"amount": "8884.00"}
    )
    assert wrong.status_code == 422
    done = client.post(
        f"/api/v1/upi/cycles/{cycle['id']}/debit", headers=headers, json={"amount": "8884.88"}
    )
    assert done.status_code == 201, done.text
    flow.settle()
    listed = client.get("/api/v1/upi/cycles", headers=headers).json()
    assert [(c["status"], [d["status"] for d in c["debits"]]) for c in listed] == [
        ("paid", ["success"])
    ]
    amounts = db.scalars(select(Repayment.amount).where(Repayment.loan_id == loan.id)).all()
    assert [str(a) for a in amounts] == ["8884.88"]

    assert sign_in(client, tenant.code, admin.username).status_code == 303
    page = client.get("/ui/upi")
    assert page.status_code == 200
    assert "me***@oksbi" in page.text and "registered" in page.text
    assert "meera.iyer@oksbi" not in page.text  # the VPA never shown in clear
    one = client.get(f"/ui/upi/mandates/{mandate['id']}")
    assert one.status_code == 200 and cycle["reference"] in one.text
    cycles = client.get("/ui/upi/cycles?status=paid")
    assert cycles.status_code == 200 and "₹8,884.88" in cycles.text


def test_the_psp_settings_default_to_the_rules(psp_row):
    rules = rules_of(psp_row)
    assert (str(rules.additional_auth_limit), rules.max_attempts, rules.settlement_lag.days) == (
        "15000",
        3,
        1,
    )
