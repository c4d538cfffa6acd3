"""End to end through the real PSP sandbox over loopback HTTP, in both webhook dialects.

Mandate created through the PSP -> payer approves -> signed webhooks (shuffled, half of
them sent twice) -> inbox -> registry ``registered`` with the UMN. Then one monthly
cycle: pre-debit notice, refused debits (too early, wrong amount), the debit, its
success posted once, a second debit of the cycle refused, and a refund that reverses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.collections.upi.debits import execute_debit, send_notice
from hub.platform.errors import Conflict, Unprocessable
from lms_core.collections.enums import MandateStatus
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Repayment
from lms_core.persistence.recon.models import ReconExpectedItem
from tests.collections.upi.conftest import new_mandate
from tests.support.loans import close_days_through


def _approve(flow, mandate) -> None:
    flow.sandbox.act(mandate.provider_ref, "approve")
    flow.settle()


def test_mandate_is_created_at_the_psp_and_registered_by_its_webhook(
    flow, db, cipher, tenant, loan
):
    created = new_mandate(db, cipher, tenant, loan, amount="10000")
    mandate = created.mandate
    assert mandate.status == MandateStatus.SUBMITTED
    assert created.upi.approval_url.endswith(f"/approve/{mandate.provider_ref}")
    assert created.upi.intent_url.startswith("upi://mandate?")
    assert f"tr={mandate.request_id}" in created.upi.intent_url
    assert (mandate.amount, mandate.amount_rule, mandate.frequency) == (
        Decimal("10000.00"),
        "max",
        "MNTH",
    )
    assert mandate.debtor_account_masked == "ra***@okbank"

    _approve(flow, mandate)

    assert mandate.status == MandateStatus.REGISTERED
    assert mandate.reference.endswith("@sandboxpsp")
    assert mandate.reference == flow.sandbox.mandates[mandate.provider_ref].umn


def test_one_cycle_notice_debit_success_posted_once_then_refund_reverses(
    flow, db, cipher, tenant, loan, clock
):
    mandate = new_mandate(db, cipher, tenant, loan, amount="10000").mandate
    _approve(flow, mandate)
    # business date 2024-01-01, 10:00 IST: notify 5000.00 for a debit on 2024-01-02
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("5000.00"), date(2024, 1, 2), "t"
    )
    assert (cycle.cycle_key, cycle.status, cycle.notified_at) == ("2024-01", "notified", clock.now)
    flow.settle()
    assert cycle.delivered_at is not None  # the PSP's notification.initiated arrived

    close_days_through(db, tenant, date(2024, 1, 1))  # business date -> 2024-01-02
    clock.advance(hours=23, minutes=59, seconds=59)  # 1 s short of the 24 h notice
    with pytest.raises(Conflict, match="younger than 24 h"):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("5000.00"), clock.now, "t")
    clock.advance(seconds=1)
    with pytest.raises(Unprocessable):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("5000.01"), clock.now, "t")

    debit = execute_debit(db, cipher, tenant.id, cycle.id, Decimal("5000.00"), clock.now, "t")
    assert (debit.reference, debit.status, debit.attempt) == (f"UD{cycle.id}-1", "pending", 1)
    with pytest.raises(Conflict, match="already has its debit"):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("5000.00"), clock.now, "t")

    sent = flow.settle()
    assert sent >= 1
    reps = db.scalars(select(Repayment).where(Repayment.loan_id == loan.id)).all()
    assert [(r.amount, r.channel, r.external_ref, r.status) for r in reps] == [
        (Decimal("5000.00"), "upi", f"upi:{debit.reference}", "posted")
    ]
    assert (debit.status, debit.repayment_id, cycle.status) == ("success", reps[0].id, "paid")
    expected = db.scalar(
        select(ReconExpectedItem).where(ReconExpectedItem.reference == debit.reference)
    )
    # PSP pays out T+1: expected on 2024-01-03, posted under the same external reference
    assert (expected.source, expected.amount, expected.expected_on, expected.posting_ref) == (
        "upi",
        Decimal("5000.00"),
        date(2024, 1, 3),
        f"upi:{debit.reference}",
    )
    with pytest.raises(Conflict, match="already has its debit"):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("5000.00"), clock.now, "t")

    # the same success webhook delivered again (a PSP retry) changes nothing
    flow.sandbox.queue.extend(
        {"id": e_id, "body": body} for e_id, body in _sent_bodies(flow, "debit_success")
    )
    flow.settle()
    assert (
        db.scalar(
            select(Repayment.id)
            .where(Repayment.loan_id == loan.id)
            .where(Repayment.status == "posted")
        )
        == reps[0].id
    )
    assert len(db.scalars(select(Repayment).where(Repayment.loan_id == loan.id)).all()) == 1

    clock.advance(hours=2)
    flow.sandbox.refund(debit.psp_payment_id)
    flow.settle()
    db.refresh(reps[0])
    assert (reps[0].status, debit.status, cycle.status) == ("reversed", "refunded", "refunded")
    assert expected.status == "cancelled"
    assert loan_repository.get_loan(db, tenant.id, loan.id).status == "active"


def _sent_bodies(flow, fact: str):
    """The bodies the sandbox rendered for ``fact`` (re-queued to simulate a redelivery)."""
    from connectors.upi_autopay.sandbox_dialects import render

    for payment in flow.sandbox.payments.values():
        mandate = flow.sandbox.mandates[payment.mandate_id]
        body = render(
            flow.sandbox.dialect,
            fact,
            "evt_redelivered",
            flow.sandbox.clock(),
            {"mandate": mandate, "payment": payment},
        )
        yield "evt_redelivered", body


def test_a_failed_debit_is_retried_within_the_cycle_up_to_the_limit(
    flow, db, cipher, tenant, loan, clock
):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    _approve(flow, mandate)
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("4000.00"), date(2024, 1, 2), "t"
    )
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=24)
    flow.sandbox.fail_next(2)

    first = execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")
    flow.settle()
    assert (first.status, cycle.status, cycle.attempts) == ("failed", "retry", 1)
    assert first.reason.startswith("U30")
    second = execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")
    flow.settle()
    assert (second.status, cycle.status, cycle.attempts) == ("failed", "retry", 2)
    third = execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")
    flow.settle()
    # max_debit_attempts defaults to 3: the third attempt succeeded, the cycle is paid
    assert (third.status, cycle.status, cycle.attempts) == ("success", "paid", 3)
    refs = db.scalars(select(Repayment.external_ref).where(Repayment.loan_id == loan.id)).all()
    assert refs == [f"upi:UD{cycle.id}-3"]
    debits = repository.debits_of_cycles(db, [cycle.id])
    assert [d.status for d in debits] == ["failed", "failed", "success"]


def test_attempts_run_out(flow, db, cipher, tenant, loan, clock, psp_row):
    psp_row.config = {**psp_row.config, "max_debit_attempts": 2}
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    _approve(flow, mandate)
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("4000.00"), date(2024, 1, 2), "t"
    )
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=25)
    flow.sandbox.fail_next(5)
    for _ in range(2):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")
        flow.settle()
    assert (cycle.status, cycle.attempts) == ("exhausted", 2)
    with pytest.raises(Conflict, match="exhausted"):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")


def test_above_the_additional_authentication_limit_is_flagged_not_debited(
    flow, db, cipher, tenant, loan, clock, psp_row
):
    psp_row.config = {**psp_row.config, "additional_auth_limit": "3000"}
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    _approve(flow, mandate)
    low = send_notice(db, cipher, tenant.id, mandate.id, Decimal("3000.00"), date(2024, 1, 2), "t")
    assert low.status == "notified"  # at the limit: automatic
    high = send_notice(db, cipher, tenant.id, mandate.id, Decimal("3000.01"), date(2024, 2, 2), "t")
    assert high.status == "needs_auth"
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=24)
    with pytest.raises(Conflict, match="additional-authentication"):
        execute_debit(db, cipher, tenant.id, high.id, Decimal("3000.01"), clock.now, "t")


def test_a_second_notice_in_the_same_monthly_cycle_is_refused(flow, db, cipher, tenant, loan):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    _approve(flow, mandate)
    first = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("2500.00"), date(2024, 1, 5), "t"
    )
    again = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("2500.00"), date(2024, 1, 5), "t"
    )
    assert again.id == first.id  # a retried request: the same notice
    with pytest.raises(Conflict, match="one debit per cycle"):
        send_notice(db, cipher, tenant.id, mandate.id, Decimal("2500.00"), date(2024, 1, 20), "t")


def test_exact_rule_refuses_another_amount(flow, db, cipher, tenant, loan):
    from hub.collections.upi.mandates import UpiAmountRule

    mandate = new_mandate(db, cipher, tenant, loan, amount="2500", rule=UpiAmountRule.EXACT).mandate
    _approve(flow, mandate)
    with pytest.raises(Unprocessable) as err:
        send_notice(db, cipher, tenant.id, mandate.id, Decimal("2400.00"), date(2024, 1, 5), "t")
    assert "exact amount 2500.00" in str(err.value.problems[0].message)


def test_the_database_holds_one_live_debit_per_cycle(flow, db, cipher, tenant, loan, clock):
    """Two workers racing past the service checks still cannot both debit the cycle."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError

    from lms_core.persistence.collections.upi_models import UpiDebit

    mandate = new_mandate(db, cipher, tenant, loan).mandate
    _approve(flow, mandate)
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("1000.00"), date(2024, 1, 2), "t"
    )
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=24)
    execute_debit(db, cipher, tenant.id, cycle.id, Decimal("1000.00"), clock.now, "t")
    rogue = UpiDebit(
        tenant_id=tenant.id,
        cycle_id=cycle.id,
        mandate_id=mandate.id,
        loan_id=loan.id,
        attempt=9,
        reference="UD-rogue",
        amount=Decimal("1000.00"),
        status="pending",
        requested_at=datetime.now(UTC),
        business_date=date(2024, 1, 2),
    )
    with pytest.raises(IntegrityError, match="uq_upi_debit_one_per_cycle"), db.begin_nested():
        db.add(rogue)
        db.flush()


def test_the_daily_job_debits_what_is_due_and_leaves_flagged_cycles(
    flow, db, cipher, tenant, loan, clock, psp_row
):
    from hub.collections.upi.debits import execute_due

    psp_row.config = {**psp_row.config, "additional_auth_limit": "2000"}
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    _approve(flow, mandate)
    due = send_notice(db, cipher, tenant.id, mandate.id, Decimal("1500.00"), date(2024, 1, 2), "t")
    big = send_notice(db, cipher, tenant.id, mandate.id, Decimal("2500.00"), date(2024, 2, 2), "t")
    close_days_through(db, tenant, date(2024, 1, 1))
    assert execute_due(db, cipher, tenant.id, clock.advance(hours=23)) == {
        "executed": 0,
        "refused": 1,
    }
    assert execute_due(db, cipher, tenant.id, clock.advance(hours=1)) == {
        "executed": 1,
        "refused": 0,
    }
    flow.settle()
    assert (due.status, big.status) == ("paid", "needs_auth")
