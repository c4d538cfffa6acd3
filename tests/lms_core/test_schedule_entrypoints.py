"""The schedule contract through the API and the CLI (figures: docs/SCHEDULE_CONTRACT.md)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from hub.app.cli import app as cli
from tests.support.factories import auth_header

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "terms.json"


def test_preview_api_returns_the_contract(client, db, tenant, admin):
    """20000 at 15% over 24 months: EMI 969.73, total interest 3273.58; with 240 of
    upfront fees the net disbursed is 19760 and the APR 16.24%."""
    response = client.post(
        "/api/v1/schedules/preview",
        content=EXAMPLE.read_bytes(),
        headers={**auth_header(admin, tenant), "content-type": "application/json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["installments"][0]["total"] == "969.73"
    assert body["totals"]["interest"] == "3273.58"
    assert body["apr"] == "16.24"


def test_preview_api_lists_every_problem(client, db, tenant, admin):
    """Unreadable fields are all reported together; readable terms with impossible
    values are all reported together (the second check runs once the form is right)."""
    unreadable = {
        "principal": "20000",
        "annual_rate": "abc",
        "tenure": 12,
        "frequency": "fortnightly",
        "disbursement_date": "x",
    }
    response = client.post(
        "/api/v1/schedules/preview", json=unreadable, headers=auth_header(admin, tenant)
    )
    assert response.status_code == 422
    assert {"annual_rate", "frequency", "disbursement_date"} <= {
        e["field"] for e in response.json()["errors"]
    }
    impossible = {
        "principal": "-5",
        "annual_rate": "15",
        "tenure": 0,
        "frequency": "monthly",
        "disbursement_date": "2024-01-01",
    }
    response = client.post(
        "/api/v1/schedules/preview", json=impossible, headers=auth_header(admin, tenant)
    )
    assert response.status_code == 422
    assert {"principal", "tenure"} <= {e["field"] for e in response.json()["errors"]}


def test_preview_cli_prints_json():
    result = CliRunner().invoke(cli, ["schedule", "preview", "--terms", str(EXAMPLE)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["installments"][23]["balance"] == "0.00"
