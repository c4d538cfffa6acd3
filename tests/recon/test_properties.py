"""Property: after a run, every bank line is in exactly one of matched / break."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.recon.run import run_reconciliation
from lms_core.persistence.recon.models import ReconActualItem, ReconBreak
from tests.recon.helpers import add_line, expect, make_account
from tests.support.factories import make_tenant

line = st.tuples(
    st.integers(1, 5),  # amount in thousands (few values: collisions and ties happen)
    st.integers(0, 6),  # value date offset
    st.sampled_from(["ref", "utr", "narration", "none"]),
    st.integers(0, 4),  # which reference
)
due = st.tuples(st.integers(1, 5), st.integers(0, 6), st.integers(0, 4))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(line, max_size=8), dues=st.lists(due, max_size=8, unique_by=lambda d: d[2]))
def test_every_line_ends_matched_or_a_break(db, lines, dues):
    savepoint = db.begin_nested()
    tenant = make_tenant(db, business_date=date(2024, 4, 20))
    account = make_account(db, tenant)
    day0 = date(2024, 4, 1)
    for amount, offset, ref in dues:
        expect(db, tenant, f"REF{ref}", f"{amount}000.00", day0 + timedelta(days=offset),
               utr=f"UTR00000000{ref}")  # fmt: skip
    for amount, offset, how, ref in lines:
        kw = {"ref": {"our_ref": f"REF{ref}"}, "utr": {"utr": f"UTR00000000{ref}"},
              "narration": {"narration": f"NEFT REF{ref}X"}, "none": {}}[how]  # fmt: skip
        add_line(db, tenant, account, f"{amount}000.00", day0 + timedelta(days=offset), **kw)
    run_reconciliation(db, tenant.id)
    run_reconciliation(db, tenant.id)  # a re-run changes nothing about the invariant
    items = db.query(ReconActualItem).filter_by(tenant_id=tenant.id).all()
    open_breaks = {
        b.actual_item_id for b in db.query(ReconBreak).filter_by(tenant_id=tenant.id, status="open")
    }
    for item in items:
        matched = item.matched_group_id is not None
        assert matched != (item.id in open_breaks), item
    all_breaks = db.query(ReconBreak).filter_by(tenant_id=tenant.id, side="actual").count()
    assert all_breaks <= len(items)  # one break per item, never duplicated by re-runs
    savepoint.rollback()
