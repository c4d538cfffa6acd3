"""Our cancellation of a UPI mandate reaches the PSP (revoke), in both webhook dialects.

Through the real PSP sandbox on loopback: the revoke call carries our request's message
id as its idempotency key; the PSP's ``cancelled`` webhook confirms; an outage leaves the
revoke pending for the daily job; a refusal is kept with the PSP's reason and alerted.
Also: a debit the PSP refuses on the spot is recorded as a failed attempt.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from connectors.upi_autopay.sandbox_models import RevokeBody
from hub.collections import mandates as registry
from hub.collections.upi.debits import execute_debit, execute_due, send_notice
from hub.collections.upi.mandates import cancel_mandate
from hub.collections.upi.revoke import revoke_pending
from hub.platform.errors import Conflict, Unprocessable
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.integration.alert_models import HubAlert
from tests.collections.upi.conftest import new_mandate
from tests.support.loans import close_days_through


def _approved(flow, db, cipher, tenant, loan):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    flow.sandbox.act(mandate.provider_ref, "approve")
    flow.settle()
    assert mandate.status == "registered"
    return mandate


def _kinds(db, tenant, mandate) -> list[str]:
    return [e.kind for e in registry.history(db, tenant.id, mandate.id)]


def test_our_cancel_revokes_at_the_psp_and_its_webhook_confirms(flow, db, cipher, tenant, loan):
    mandate = _approved(flow, db, cipher, tenant, loan)

    cancel_mandate(db, cipher, tenant.id, mandate.id, "loan closed", "ops")

    assert mandate.status == "cancel_requested"
    (request,) = mandate_repository.cancellations_of(db, mandate.id)
    assert (request.rail, request.status, request.attempts) == ("upi", "sent", 1)
    assert flow.sandbox.mandates[mandate.provider_ref].status == "cancelled"
    with pytest.raises(Unprocessable) as refused:
        send_notice(db, cipher, tenant.id, mandate.id, Decimal("100.00"), date(2024, 1, 9), "t")
    assert refused.value.problems[0].message == "mandate is cancel_requested, not registered"
    # the same revoke asked again (a retry after a timeout) is the first answer, no webhook
    queued = len(flow.sandbox.queue)
    again = flow.sandbox.revoke(mandate.provider_ref, RevokeBody(reference=request.message_id))
    assert again["status"] == "cancelled" and len(flow.sandbox.queue) == queued

    flow.settle()

    assert mandate.status == "cancelled"
    db.refresh(request)
    assert request.status == "accepted"
    assert _kinds(db, tenant, mandate)[-3:] == ["cancel_requested", "cancel_sent", "cancelled"]


def test_a_psp_outage_leaves_the_revoke_pending_for_the_daily_job(
    flow, db, cipher, tenant, loan, clock
):
    mandate = _approved(flow, db, cipher, tenant, loan)
    flow.sandbox.unavailable_next(1)

    cancel_mandate(db, cipher, tenant.id, mandate.id, "loan closed", "ops")

    (request,) = mandate_repository.cancellations_of(db, mandate.id)
    assert (mandate.status, request.status, request.attempts) == ("cancel_requested", "pending", 1)
    assert "503" in request.last_error
    assert flow.sandbox.mandates[mandate.provider_ref].status == "active"

    assert revoke_pending(db, cipher, tenant.id, clock.now) == {
        "sent": 1,
        "retry": 0,
        "refused": 0,
    }
    assert (request.status, request.attempts, request.last_error) == ("sent", 2, None)
    assert revoke_pending(db, cipher, tenant.id, clock.now)["sent"] == 0  # sent once
    flow.settle()
    assert mandate.status == "cancelled"


def test_closing_the_loan_requests_the_revoke_and_no_debit_goes_out(
    flow, db, cipher, tenant, loan, clock
):
    """The closure runs inside the servicing transaction: no PSP call there. The request
    waits for the daily job; meanwhile the cycle already notified is not debited."""
    mandate = _approved(flow, db, cipher, tenant, loan)
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("4000.00"), date(2024, 1, 2), "t"
    )
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=25)

    assert registry.cancel_for_closed_loan(db, tenant.id, loan.id) == [mandate.id]

    (request,) = mandate_repository.cancellations_of(db, mandate.id)
    assert (mandate.status, request.status) == ("cancel_requested", "pending")
    with pytest.raises(Conflict, match="mandate is cancel_requested"):
        execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")
    assert execute_due(db, cipher, tenant.id, clock.now) == {"executed": 0, "refused": 1}
    assert flow.sandbox.payments == {}

    assert revoke_pending(db, cipher, tenant.id, clock.now)["sent"] == 1
    flow.settle()
    assert mandate.status == "cancelled" and request.status == "accepted"


def test_a_psp_refusal_is_kept_with_its_reason_and_alerted(flow, db, cipher, tenant, loan):
    """The payer revoked in their UPI app a moment before us (the webhook not yet here):
    the PSP refuses our revoke (409). The payer's webhook then ends it, and the alert is
    resolved."""
    mandate = _approved(flow, db, cipher, tenant, loan)
    flow.sandbox.act(mandate.provider_ref, "revoke")  # the payer, at the PSP

    cancel_mandate(db, cipher, tenant.id, mandate.id, "loan closed", "ops")

    assert (mandate.status, mandate.reject_code) == ("cancel_rejected", "HTTP409")
    (request,) = mandate_repository.cancellations_of(db, mandate.id)
    assert request.status == "rejected" and "cannot revoke" in request.reject_reason
    (alert,) = db.scalars(select(HubAlert).where(HubAlert.tenant_id == tenant.id))
    assert alert.kind == "mandate_cancel_rejected" and alert.resolved_at is None

    flow.settle()

    assert mandate.status == "cancelled"
    db.refresh(alert)
    assert alert.resolution == "mandate cancelled"


def test_a_mandate_awaiting_approval_is_revoked_too(flow, db, cipher, tenant, loan):
    mandate = new_mandate(db, cipher, tenant, loan).mandate
    cancel_mandate(db, cipher, tenant.id, mandate.id, "loan closed", "ops")
    assert flow.sandbox.mandates[mandate.provider_ref].status == "cancelled"
    flow.settle()
    assert mandate.status == "cancelled"


def test_a_debit_the_psp_refuses_is_recorded_as_an_attempt(flow, db, cipher, tenant, loan, clock):
    """The payer paused the mandate at the PSP; the pause's webhook has not arrived, so
    we still debit. The PSP refuses the execute call (400): that attempt counts, failed,
    with the PSP's reason; the cycle may be retried."""
    mandate = _approved(flow, db, cipher, tenant, loan)
    cycle = send_notice(
        db, cipher, tenant.id, mandate.id, Decimal("4000.00"), date(2024, 1, 2), "t"
    )
    close_days_through(db, tenant, date(2024, 1, 1))
    clock.advance(hours=25)
    flow.sandbox.act(mandate.provider_ref, "pause")

    debit = execute_debit(db, cipher, tenant.id, cycle.id, Decimal("4000.00"), clock.now, "t")

    assert (debit.status, debit.attempt, debit.psp_payment_id) == ("failed", 1, None)
    assert "is paused" in debit.reason and debit.reason.startswith("PSP psp_one refused")
    assert (cycle.status, cycle.attempts) == ("retry", 1)
    assert [d.status for d in repository.debits_of_cycles(db, [cycle.id])] == ["failed"]
    assert execute_due(db, cipher, tenant.id, clock.now) == {"executed": 0, "refused": 1}
    assert [d.attempt for d in repository.debits_of_cycles(db, [cycle.id])] == [1, 2]
