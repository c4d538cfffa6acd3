"""The end-of-day API: starting a run defers its jobs; benchmark rates are published."""

from datetime import date

from sqlalchemy import text

from hub.platform.auth.permissions import Role
from tests.support.factories import auth_header, make_user
from tests.support.loans import make_loan, make_product


def test_post_eod_starts_a_run_with_jobs_for_workers(client, db, tenant, admin):
    make_product(db, tenant)
    loans = [make_loan(db, tenant) for _ in range(3)]
    response = client.post("/api/v1/eod", headers=auth_header(admin, tenant))
    assert response.status_code == 202, response.text
    run = response.json()
    assert (run["status"], run["business_date"], run["loans"], run["partitions"]) == (
        "running",
        "2024-01-01",
        3,
        1,
    )
    jobs = db.execute(
        text(
            "select count(*) from procrastinate_jobs where task_name = 'sangam:eod_work'"
            " and args->>'run_id' = :r"
        ),
        {"r": str(run["id"])},
    ).scalar()
    assert jobs == 1
    again = client.post("/api/v1/eod", headers=auth_header(admin, tenant)).json()
    assert again["id"] == run["id"]  # one run per tenant and date
    shown = client.get(f"/api/v1/eod/runs/{run['id']}", headers=auth_header(admin, tenant))
    assert shown.json()["partitions_done"] == 0
    assert len(loans) == 3


def test_publish_benchmark_rate_needs_product_write(client, db, tenant, admin):
    body = {"code": "EBLR", "effective_date": "2024-03-15", "rate": "7.5"}
    officer = make_user(db, tenant, roles=(Role.LOAN_OFFICER,))
    refused = client.post(
        "/api/v1/benchmark-rates", json=body, headers=auth_header(officer, tenant)
    )
    assert refused.status_code == 403
    made = client.post("/api/v1/benchmark-rates", json=body, headers=auth_header(admin, tenant))
    assert made.status_code == 201, made.text
    listed = client.get("/api/v1/benchmark-rates", headers=auth_header(admin, tenant)).json()
    assert listed == [
        {"code": "EBLR", "effective_date": str(date(2024, 3, 15)), "rate": "7.500000"}
    ]
