"""Webhooks arrive at least once and out of order: dedupe on the event id, apply by the
event's own time. Each test hands the hub a chosen arrival order over real HTTP (signed
per dialect) and checks the state it ends in, in both dialects.

Times are minutes after 2024-01-01 10:00 IST (t1 < t2 < t3).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from connectors.upi_autopay.sandbox_dialects import render
from hub.collections import mandates as registry
from hub.collections.upi.debits import execute_debit, send_notice
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.collections.upi_models import UpiEventLog
from lms_core.persistence.integration.models import InboxItem
from lms_core.persistence.loans.models import Repayment
from tests.collections.upi.conftest import new_mandate
from tests.support.loans import close_days_through


def _arrive(flow, clock, *events) -> None:
    """Deliver ``(fact, minute, event id, subject)`` in exactly this order, then process."""
    flow.sandbox.out_of_order, flow.sandbox.duplicate_rate = False, 0.0
    for fact, minute, event_id, subject in events:
        at = clock.start + timedelta(minutes=minute)
        body = render(flow.sandbox.dialect, fact, event_id, at, subject)
        flow.sandbox.queue.append({"id": event_id, "body": body})
    flow.settle()


def _psp_mandate(flow, mandate, umn="0123456789abcdef01234567@sandboxpsp"):
    m = flow.sandbox.mandates[mandate.provider_ref]
    m.umn = umn
    return m


def _history(db, tenant, mandate) -> list[str]:
    return [e.kind for e in registry.history(db, tenant.id, mandate.id)]


def test_a_pause_that_overtook_its_confirmation_still_ends_paused(
    flow, db, cipher, tenant, loan, clock
):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    clock.start = clock.now
    m = _psp_mandate(flow, mandate)
    _arrive(
        flow,
        clock,
        ("mandate_paused", 2, "e2", {"mandate": m}),
        ("mandate_active", 1, "e1", {"mandate": m}),  # older: stale, but its UMN is kept
        ("mandate_paused", 2, "e2", {"mandate": m}),  # duplicate delivery
    )
    assert mandate.status == "paused"
    assert mandate.reference == m.umn
    assert _history(db, tenant, mandate) == ["initiated", "submitted", "registered", "paused"]
    outcomes = db.execute(
        select(UpiEventLog.event_id, UpiEventLog.outcome).order_by(UpiEventLog.id)
    ).all()
    assert outcomes == [("e2", "applied"), ("e1", "stale")]
    # the duplicate delivery was acknowledged by the inbox and never applied twice
    items = db.scalars(select(InboxItem).where(InboxItem.tenant_id == tenant.id)).all()
    assert sorted(i.external_id for i in items) == ["e1", "e2"]


def test_the_newest_event_wins_whatever_the_arrival_order(flow, db, cipher, tenant, loan, clock):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    clock.start = clock.now
    m = _psp_mandate(flow, mandate)
    _arrive(
        flow,
        clock,
        ("mandate_resumed", 3, "e3", {"mandate": m}),
        ("mandate_paused", 2, "e2", {"mandate": m}),
        ("mandate_active", 1, "e1", {"mandate": m}),
    )
    assert mandate.status == "registered"  # resumed at t3 is the newest fact
    upi = repository.upi_mandate(db, mandate.id)
    assert upi.last_event_at == clock.start + timedelta(minutes=3)
    # the same three in time order end in the same state
    other = new_mandate(db, cipher, tenant, loan).mandate
    o = _psp_mandate(flow, other, umn="fedcba9876543210fedcba98@sandboxpsp")
    _arrive(
        flow,
        clock,
        ("mandate_active", 1, "f1", {"mandate": o}),
        ("mandate_paused", 2, "f2", {"mandate": o}),
        ("mandate_resumed", 3, "f3", {"mandate": o}),
    )
    assert other.status == "registered"
    assert _history(db, tenant, other)[2:] == ["registered", "paused", "resumed"]


def test_a_revocation_is_final_and_older_events_do_not_revive_it(
    flow, db, cipher, tenant, loan, clock
):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    clock.start = clock.now
    m = _psp_mandate(flow, mandate)
    _arrive(
        flow,
        clock,
        ("mandate_active", 1, "e1", {"mandate": m}),
        ("mandate_cancelled", 5, "e5", {"mandate": m}),
        ("mandate_resumed", 4, "e4", {"mandate": m}),
        ("mandate_paused", 3, "e3", {"mandate": m}),
    )
    assert mandate.status == "cancelled"
    assert _history(db, tenant, mandate)[2:] == ["registered", "cancelled"]


def test_a_rejected_mandate_keeps_the_psp_reason(flow, db, cipher, tenant, loan, clock):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    flow.sandbox.act(mandate.provider_ref, "reject")
    flow.settle()
    assert mandate.status == "rejected"
    assert (mandate.reject_code, mandate.reject_reason) == (
        "U16 payer declined",
        "U16 payer declined",
    )


def _paid_cycle_setup(flow, db, cipher, tenant, loan, clock):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    flow.sandbox.act(mandate.provider_ref, "approve")
    flow.settle()
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("3000.00"), date(2024, 1, 2), "t"
    )
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=24)
    flow.sandbox.queue.clear()
    flow.sandbox.fail_next(0)
    debit = execute_debit(db, cipher, tenant.id, cycle.id, Decimal("3000.00"), clock.now, "t")
    flow.sandbox.queue.clear()  # the tests below deliver their own versions of the outcome
    clock.start = clock.now
    sm = flow.sandbox.mandates[mandate.provider_ref]
    pay = next(p for p in flow.sandbox.payments.values() if p.reference == debit.reference)
    return cycle, debit, {"mandate": sm, "payment": pay}


def _repayments(db, loan):
    return db.execute(
        select(Repayment.amount, Repayment.status).where(Repayment.loan_id == loan.id)
    ).all()


def test_an_older_failure_after_the_success_changes_nothing(flow, db, cipher, tenant, loan, clock):
    cycle, debit, subject = _paid_cycle_setup(flow, db, cipher, tenant, loan, clock)
    _arrive(
        flow,
        clock,
        ("debit_success", 2, "p2", subject),
        ("debit_failed", 1, "p1", {**subject, "reason": "U30 insufficient funds"}),
        ("debit_success", 2, "p2", subject),
    )
    assert (debit.status, cycle.status) == ("success", "paid")
    assert _repayments(db, loan) == [(Decimal("3000.00"), "posted")]


def test_a_late_success_after_a_reported_failure_posts_once(flow, db, cipher, tenant, loan, clock):
    cycle, debit, subject = _paid_cycle_setup(flow, db, cipher, tenant, loan, clock)
    _arrive(
        flow,
        clock,
        ("debit_failed", 1, "p1", {**subject, "reason": "U68 timeout"}),
        ("debit_success", 2, "p2", subject),
        ("debit_success", 2, "p2-resent", subject),  # same fact, new event id: one posting
    )
    assert (debit.status, cycle.status) == ("success", "paid")
    assert _repayments(db, loan) == [(Decimal("3000.00"), "posted")]


def test_a_refund_that_overtook_its_success_nets_to_nothing(flow, db, cipher, tenant, loan, clock):
    cycle, debit, subject = _paid_cycle_setup(flow, db, cipher, tenant, loan, clock)
    _arrive(
        flow,
        clock,
        ("refund_processed", 3, "r3", {**subject, "refund_id": "rfnd_1"}),
        ("debit_success", 2, "p2", subject),
    )
    assert (debit.status, cycle.status, debit.refund_id) == ("refunded", "refunded", "rfnd_1")
    assert _repayments(db, loan) == []


def test_an_event_for_an_unknown_debit_is_quarantined_with_its_reference(
    flow, db, cipher, tenant, loan, clock
):
    _cycle, debit, subject = _paid_cycle_setup(flow, db, cipher, tenant, loan, clock)
    subject["payment"].reference = "UD999-1"
    _arrive(flow, clock, ("debit_success", 2, "px", subject))
    item = db.scalar(select(InboxItem).where(InboxItem.external_id == "px"))
    assert item.status == "partial"
    assert db.scalar(select(UpiEventLog).where(UpiEventLog.event_id == "px")) is None
    assert debit.status == "pending"
