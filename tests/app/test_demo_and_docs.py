"""The demo business day leaves a sound ledger; docs/openapi.json is current."""

import json
from pathlib import Path

from hub.app.api import create_app
from hub.platform.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_app():
    api = create_app(load_settings(), session_factory=None)
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(api.openapi(), sort_keys=True)), (
        "docs/openapi.json is stale: run `sangam openapi export`"
    )


def test_demo_day_runs_twice_and_verifies(tmp_path):
    """The demo commits for real, so it gets a database of its own."""
    from hub.app.demo import run_demo
    from hub.platform.db.engine import make_engine, make_session_factory
    from hub.platform.runtime import Runtime
    from tests.conftest import unique_db_name
    from tests.support.db import drop_database, fresh_database

    name = unique_db_name("demo")
    url = fresh_database(name)
    engine = make_engine(url, 4)
    settings = load_settings(data_dir=tmp_path, jwt_secret="x" * 40)
    rt = Runtime(settings, url, engine, make_session_factory(engine))
    try:
        first = run_demo(rt, serve=False, loans=12, days=11)
        again = run_demo(rt, serve=False, loans=12, days=1)
    finally:
        engine.dispose()
        drop_database(name)
    assert first["ledger_violations"] == 0
    assert again["ledger_violations"] == 0
    assert again["tenant_id"] == first["tenant_id"]
    assert (first["loans_booked"], again["loans_booked"]) == (12, 0)
    # The demo is deterministic (seeded dice, seeded sandboxes): these are its figures.
    assert (first["payments"], first["bounces"], first["back_dated_payments"]) == (2, 0, 0)
    assert first["prepayments_and_closures"] == "4 part-prepayments, 2 foreclosures"
    assert first["end_of_days"].endswith("2026-04-10: 10 loans, 2026-04-11: 10 loans")
    assert first["escrow_statement"] == "ESCROW_50200012345678_20260412_00001.sta (33 lines)"
    assert first["recon_match_rate_percent"] == "88.00"
    assert first["recon_breaks"] == {"actual": 6, "expected": 0, "closed": 0}
