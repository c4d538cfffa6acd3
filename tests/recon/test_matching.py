"""Matching scenarios against the real database: one per strategy and tolerance."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from hub.recon.run import run_reconciliation
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon.models import ReconBreak, ReconMatchGroup, ReconSuggestion
from tests.recon.helpers import add_line, expect, make_account
from tests.support.factories import make_tenant

APR5 = date(2024, 4, 5)


@pytest.fixture
def setup(db: Session):
    tenant = make_tenant(db, business_date=date(2024, 4, 10))
    return tenant, make_account(db, tenant)


def _refresh(db, *rows):
    for r in rows:
        db.refresh(r)


def _group(db, item) -> ReconMatchGroup:
    return db.get(ReconMatchGroup, item.matched_group_id)


def test_exact_utr_matches_a_payout(db, setup):
    tenant, acc = setup
    e = expect(db, tenant, "LN1:HDFCN24096000001", "98000.00", APR5,
               direction="debit", source="disbursement", utr="HDFCN24096000001")  # fmt: skip
    a = add_line(db, tenant, acc, "98000.00", APR5, utr="HDFCN24096000001", direction="debit")
    run = run_reconciliation(db, tenant.id)
    _refresh(db, e, a)
    assert a.matched_group_id == e.matched_group_id is not None
    assert _group(db, a).rule == "exact_utr"
    assert e.status == "matched"
    assert run.summary["groups_by_rule"]["exact_utr"] == 1
    assert run.summary["match_rate_percent"] == "100.00"


def test_exact_reference_with_amount_not_equal_is_a_break(db, setup):
    tenant, acc = setup
    expect(db, tenant, "NACH0001", "5000.00", APR5)
    a = add_line(db, tenant, acc, "4900.00", APR5, our_ref="NACH0001")
    run_reconciliation(db, tenant.id)
    brk = db.query(ReconBreak).filter_by(actual_item_id=a.id).one()
    assert brk.reason == "amount_not_equal"
    # 4,900.00 received against 5,000.00 expected: variance -100.00
    assert "variance -100.00" in brk.detail


def test_amount_date_reference_within_window(db, setup):
    tenant, acc = setup
    e = expect(db, tenant, "LN2024000123", "12500.00", date(2024, 4, 3))
    # value date 2024-04-05 is +2 days (window -1..+3); narration truncates our reference:
    # LN202400012 vs LN2024000123 -> 2*11/23 = 0.957 >= 0.6
    a = add_line(db, tenant, acc, "12500.00", APR5, narration="NEFT CR-X-RAVI-LN202400012")
    run_reconciliation(db, tenant.id)
    _refresh(db, e, a)
    assert a.matched_group_id == e.matched_group_id is not None
    assert _group(db, a).rule == "amount_date_reference"


def test_date_outside_window_is_outside_tolerance(db, setup):
    tenant, acc = setup
    expect(db, tenant, "LN2024000124", "12500.00", date(2024, 4, 1))
    # +4 days: beyond +3
    a = add_line(db, tenant, acc, "12500.00", APR5, narration="NEFT CR LN2024000124 RAVI")
    run_reconciliation(db, tenant.id)
    brk = db.query(ReconBreak).filter_by(actual_item_id=a.id).one()
    assert brk.reason == "outside_tolerance"
    assert "+4 days" in brk.detail


def test_two_equal_candidates_are_suggested_not_matched(db, setup):
    tenant, acc = setup
    e1 = expect(db, tenant, "INV-1001", "2000.00", APR5)
    e2 = expect(db, tenant, "INV-1002", "2000.00", APR5)
    # "INV100" is as close to INV1001 as to INV1002 (2*6/13 = 0.923 each)
    a = add_line(db, tenant, acc, "2000.00", APR5, narration="IMPS INV100")
    run = run_reconciliation(db, tenant.id)
    _refresh(db, e1, e2, a)
    assert a.matched_group_id is None and e1.status == e2.status == "open"
    sug = db.query(ReconSuggestion).filter_by(tenant_id=tenant.id).one()
    assert sug.actual_ids == [a.id] and sug.expected_ids == [e1.id, e2.id]
    assert db.query(ReconBreak).filter_by(actual_item_id=a.id).one().reason == "ambiguous"
    assert run.summary["suggestions"] == 1


def test_one_credit_settles_a_days_nach_batch(db, setup):
    tenant, acc = setup
    items = [
        expect(db, tenant, f"NACH{i}", amount, date(2024, 4, 4), source="nach")
        for i, amount in enumerate(("1000.00", "2500.00", "1500.50"))
    ]
    # 1,000.00 + 2,500.00 + 1,500.50 = 5,000.50
    a = add_line(db, tenant, acc, "5000.50", APR5, narration="NACH CR SETTLEMENT 04042024")
    run_reconciliation(db, tenant.id)
    _refresh(db, a, *items)
    assert {i.matched_group_id for i in items} == {a.matched_group_id}
    assert _group(db, a).rule == "settlement_batch"


def test_several_credits_settle_one_due(db, setup):
    tenant, acc = setup
    e = expect(db, tenant, "SCF-INV-77", "30000.00", APR5, source="scf")
    a1 = add_line(db, tenant, acc, "20000.00", APR5, narration="RTGS BUYER PART SCF-INV-77")
    a2 = add_line(db, tenant, acc, "10000.00", date(2024, 4, 8), narration="NEFT SCF-INV-77 BAL")
    run_reconciliation(db, tenant.id)
    _refresh(db, e, a1, a2)
    # 20,000.00 + 10,000.00 = 30,000.00
    assert a1.matched_group_id == a2.matched_group_id == e.matched_group_id is not None
    assert _group(db, e).rule == "split_payment"


def test_rerun_is_idempotent_and_a_later_match_closes_the_break(db, setup):
    tenant, acc = setup
    a = add_line(db, tenant, acc, "777.00", APR5, utr="123456789012")
    run_reconciliation(db, tenant.id)
    run_reconciliation(db, tenant.id)
    breaks = db.query(ReconBreak).filter_by(actual_item_id=a.id).all()
    assert len(breaks) == 1 and breaks[0].reason == "unknown_reference"
    e = expect(db, tenant, "UPI-9", "777.00", APR5, source="upi", utr="123456789012")
    run_reconciliation(db, tenant.id)
    _refresh(db, breaks[0], e)
    assert breaks[0].status == "closed" and breaks[0].closed_on == date(2024, 4, 10)
    assert e.status == "matched"


def test_duplicate_line_is_a_duplicate_break(db, setup):
    tenant, acc = setup
    expect(db, tenant, "UPI-1", "499.00", APR5, source="upi", utr="400011112222")
    first = add_line(db, tenant, acc, "499.00", APR5, utr="400011112222")
    again = add_line(db, tenant, acc, "499.00", APR5, utr="400011112222")
    run_reconciliation(db, tenant.id)
    _refresh(db, first, again)
    assert first.matched_group_id is not None and again.matched_group_id is None
    assert db.query(ReconBreak).filter_by(actual_item_id=again.id).one().reason == "duplicate"


def test_expected_item_past_its_window_is_a_break(db, setup):
    tenant, _ = setup
    late = expect(db, tenant, "PF-1", "100000.00", date(2024, 4, 1), source="partner_funding")
    fresh = expect(db, tenant, "PF-2", "100000.00", date(2024, 4, 9), source="partner_funding")
    tenant_repository.business_date(db, tenant.id)
    run_reconciliation(db, tenant.id)
    brk = db.query(ReconBreak).filter_by(expected_item_id=late.id).one()
    assert brk.reason == "no_matching_payment" and brk.side == "expected"
    assert db.query(ReconBreak).filter_by(expected_item_id=fresh.id).count() == 0
