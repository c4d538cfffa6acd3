"""Claims at scale: HOT-friendly item tables, groups that list their items, and the
exact rules' one-statement claim with its fall-back when an item was taken meanwhile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.recon.run import run_reconciliation
from lms_core.persistence.recon import recon_repository as sql
from lms_core.persistence.recon.models import ReconMatchGroup
from tests.recon.helpers import add_line, expect, make_account
from tests.support.factories import make_tenant

APR5 = date(2024, 4, 5)
NO_TOLERANCE = (Decimal("0"), Decimal("0"))


@pytest.fixture
def setup(db: Session):
    tenant = make_tenant(db, business_date=date(2024, 4, 10))
    return tenant, make_account(db, tenant)


def _pairs(db, tenant, acc, refs):
    """One expected item and one bank line quoting it per reference: (expected, line)."""
    pairs = []
    for n, ref in enumerate(refs):
        amount = f"{1000 + n}.00"
        e = expect(db, tenant, ref, amount, APR5)
        pairs.append((e, add_line(db, tenant, acc, amount, APR5, our_ref=ref)))
    return pairs


@pytest.mark.parametrize("table", ["recon_actual_item", "recon_expected_item"])
def test_item_tables_take_claims_as_hot_updates(db, table):
    """No index covers matched_group_id and each page keeps room for a second version."""
    options = db.execute(
        text("select reloptions from pg_class where relname = :t"), {"t": table}
    ).scalar_one()
    assert "fillfactor=50" in options
    indexed = db.execute(
        text(
            "select count(*) from pg_index i join pg_attribute at on at.attrelid = i.indrelid "
            "and at.attnum = any(i.indkey) where i.indrelid = cast(:t as regclass) "
            "and at.attname = 'matched_group_id'"
        ),
        {"t": table},
    ).scalar_one()
    assert indexed == 0


def test_a_run_lists_each_groups_items_on_the_group(db, setup):
    tenant, acc = setup
    pairs = _pairs(db, tenant, acc, ["RCP0001", "RCP0002", "RCP0003"])
    run = run_reconciliation(db, tenant.id)
    assert run.summary["groups_by_rule"]["exact_reference"] == 3
    for e, a in pairs:
        db.refresh(e)
        db.refresh(a)
        group = db.get(ReconMatchGroup, a.matched_group_id)
        assert (group.actual_ids, group.expected_ids) == ([a.id], [e.id])
        assert e.matched_group_id == group.id and e.status == "matched"


def test_claim_exact_claims_every_pair_in_one_go(db, setup):
    tenant, acc = setup
    pairs = _pairs(db, tenant, acc, ["RCP0001", "RCP0002"])
    claimed = sql.claim_exact(
        db, tenant.id, None, "test", "exact_reference", "reference", NO_TOLERANCE
    )
    assert claimed == 2
    assert all(
        db.get(ReconMatchGroup, _group_of(db, a)).rule == "exact_reference" for _, a in pairs
    )


def test_staged_exact_pairs_drop_the_group_that_lost_an_item(db, setup):
    """The fall-back path: a line claimed after staging costs only its own group."""
    tenant, acc = setup
    (e1, a1), (e2, a2) = _pairs(db, tenant, acc, ["RCP0001", "RCP0002"])
    staged = sql.stage_exact(db, tenant.id, "exact_reference", "reference", *NO_TOLERANCE)
    assert staged == 2
    db.execute(
        text("update recon_actual_item set matched_group_id = -1 where id = :a"), {"a": a1.id}
    )
    assert sql.claim(db, tenant.id, None, "test") == 1
    group = db.get(ReconMatchGroup, _group_of(db, a2))
    assert (group.actual_ids, group.expected_ids) == ([a2.id], [e2.id])
    status = db.execute(text("select status from recon_expected_item where id = :e"), {"e": e1.id})
    assert status.scalar_one() == "open"


def _group_of(db, item) -> int:
    row = db.execute(
        text("select matched_group_id from recon_actual_item where id = :a"), {"a": item.id}
    )
    return row.scalar_one()


def test_a_run_leaves_the_planner_settings_as_it_found_them(db, setup):
    tenant, acc = setup
    _pairs(db, tenant, acc, ["RCP0001"])
    add_line(db, tenant, acc, "777.00", APR5, narration="NEFT CR RCP000")
    expect(db, tenant, "RCP0009", "777.00", APR5)
    settings = "select current_setting('enable_nestloop'), current_setting('enable_hashjoin')"
    before = db.execute(text(settings)).one()
    run = run_reconciliation(db, tenant.id)
    assert run.summary["groups_by_rule"]["exact_reference"] == 1
    assert run.summary["groups_by_rule"]["amount_date_reference"] == 1
    assert db.execute(text(settings)).one() == before == ("on", "on")
