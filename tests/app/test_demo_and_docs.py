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
    assert first["payments"] > 0
