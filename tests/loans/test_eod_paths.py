"""The bulk end-of-day path gives exactly the ledger and sub-ledger of the full path."""

from __future__ import annotations

from datetime import date

from tests.loans.eod_helpers import book_portfolio, run_days, snapshot
from tests.support.factories import make_tenant


def test_bulk_and_full_paths_agree_over_eleven_weeks(db):
    """Same nine loans, same payments, 1 Jan .. 20 Mar 2024: one tenant closes its days
    through the bulk path (full path only where needed), the other loan by loan."""
    results, paths = [], []
    for bulk in (True, False):
        tenant = make_tenant(db)
        ids = book_portfolio(db, tenant)
        paths.append(run_days(db, tenant, ids, date(2024, 3, 20), bulk_path=bulk))
        results.append(snapshot(db, tenant, ids))
    bulk, full = results
    for part in ("loans", "events", "penal", "dues", "balances"):
        assert bulk[part] == full[part], part
    # The portfolio really exercised the paths: an NPA, penal charges, late fees.
    assert any(row[3] == "npa" for row in bulk["loans"])
    assert len(bulk["penal"]) > 50
    assert any(d[1] == "late_fee" for d in bulk["dues"])
    # Both bulk ways were taken: quiet loan-days (the accrual alone, written as plain
    # rows) and the others (computed by close_loan_day); the full run took neither.
    with_bulk, without = paths
    assert with_bulk["quiet"] > 100 and with_bulk["bulk"] - with_bulk["quiet"] > 50
    assert without["bulk"] == 0 and without["full"] == with_bulk["bulk"] + with_bulk["full"]
