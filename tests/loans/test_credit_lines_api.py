"""Credit line API: open, draw (422 naming what is available), repay, utilisation, statement."""

from __future__ import annotations

from datetime import date

from hub.loans import credit_lines
from lms_core.persistence.platform import tenant_repository
from tests.support.factories import auth_header

LINE = {
    "line_number": "OD-77",
    "limit": "100000",
    "annual_rate": "18",
    "valid_from": "2024-01-01",
    "valid_until": "2024-12-31",
    "billing_day": 1,
    "borrower_name": "Meera Stores",
}


def test_line_through_the_api(client, db, tenant, admin):
    h = auth_header(admin, tenant)
    opened = client.post("/api/v1/credit-lines", json=LINE, headers=h)
    assert opened.status_code == 201, opened.text
    line_id = opened.json()["id"]
    base = f"/api/v1/credit-lines/{line_id}"
    drawn = client.post(f"{base}/drawdowns", json={"amount": "40000"}, headers=h)
    assert drawn.status_code == 201 and drawn.json()["drawn_after"] == "40000.00"

    over = client.post(f"{base}/drawdowns", json={"amount": "60000.50"}, headers=h)
    assert over.status_code == 422
    assert over.json()["errors"] == [
        {
            "field": "amount",
            "message": "60000.50 exceeds the available limit 60000.00 "
            "(limit 100000.00, drawn 40000.00)",
        }
    ]
    # day-end of 1 Jan: 40,000 x 18 % / 365 = 19.7260 -> 19.73 accrued
    credit_lines.close_lines_day(db, tenant.id, date(2024, 1, 1))
    tenant_repository.set_business_date(db, tenant.id, date(2024, 1, 1), date(2024, 1, 2))
    paid = client.post(f"{base}/repayments", json={"amount": "15000", "channel": "upi"}, headers=h)
    assert paid.status_code == 201 and paid.json()["principal"] == "15000.00"
    view = client.get(base, headers=h).json()
    assert (
        view["limit"],
        view["drawn"],
        view["available"],
        view["utilisation_percent"],
        view["interest_accrued_unbilled"],
    ) == ("100000.00", "25000.00", "75000.00", "25.00", "19.73")
    st = client.get(f"{base}/statement?start=2024-01-01&end=2024-01-31", headers=h).json()
    assert [t["kind"] for t in st["transactions"]] == ["drawdown", "repayment"]
    assert st["closing_drawn"] == "25000.00" and st["interest_accrued"] == "19.73"


def test_unknown_line_is_404(client, tenant, admin):
    assert (
        client.get("/api/v1/credit-lines/999999", headers=auth_header(admin, tenant)).status_code
        == 404
    )
