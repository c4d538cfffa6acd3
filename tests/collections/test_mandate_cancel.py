"""Mandate cancellation reaches the sponsor bank: pain.011 over real SFTP, pain.012 back.

The loan: 1,00,000 at 12% for 12 months from 1 Jan 2024 (first due 1 Feb), with a
registered physical NACH mandate. Foreclosed on 10 Feb for 1,05,672.95 (the life-cycle
tests' quote), it closes, and its mandate becomes ``cancel_requested``: no debit is
presented on it any more; the next cancellation batch carries one pain.011 naming its
UMRN; the bank accepts (``cancelled``) or refuses with a code (``cancel_rejected`` and a
hub alert; asking again can still end ``cancelled``).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from formats.nach.emandate import parse_emandate
from hub.collections import mandates
from hub.collections.nach import cancel_batch, cycle
from hub.collections.nach.emandate_batch import apply_responses
from hub.loans import prepayments
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.integration.alert_models import HubAlert
from lms_core.persistence.integration.models import OutboundMessage
from tests.collections.conftest import BANK
from tests.collections.helpers import items, loan_with_mandate
from tests.collections.test_emandate_batch import _emandate
from tests.loans.test_lifecycle_prepayment import RULES
from tests.support.loans import close_days_through, make_product

UMRN = "HDFC7000000000000077"
FEB10 = date(2024, 2, 10)


def _batches(db, tenant) -> list[OutboundMessage]:
    stmt = select(OutboundMessage).where(
        OutboundMessage.tenant_id == tenant.id,
        OutboundMessage.event_type == cancel_batch.EVENT_TYPE,
    )
    return list(db.scalars(stmt))


def _history(db, tenant, mandate) -> list[tuple[str, str]]:
    return [(e.kind, e.status) for e in mandates.history(db, tenant.id, mandate.id)]


def _answer(rt, db, tenant, nach_bank) -> list[str]:
    assert cycle.deliver(rt, tenant.id) == 1
    written = nach_bank.bank.process()
    cycle.collect(rt, tenant.id, BANK)
    db.expire_all()
    return written


@pytest.fixture
def closed(db, tenant, account_cipher, bank):
    """The loan foreclosed on 10 Feb; returns (loan, mandate)."""
    make_product(db, tenant, rules=RULES)
    loan, mandate = loan_with_mandate(db, tenant, account_cipher, umrn=UMRN)
    close_days_through(db, tenant, date(2024, 2, 9))
    prepayments.execute_foreclosure(db, tenant.id, loan.id, Decimal("105672.95"), "test")
    assert loan.status == "closed"
    return loan, mandate


def test_closure_requests_cancellation_batch_sent_once_bank_accepts(
    db, tenant, rt, nach_bank, closed
):
    loan, mandate = closed
    assert mandate.status == "cancel_requested"
    (request,) = mandate_repository.cancellations_of(db, mandate.id)
    assert (request.rail, request.status, request.reason) == ("nach", "pending", "loan closed")
    assert cycle.present(rt, tenant.id, BANK, FEB10).items == 0  # never presented again

    with rt.factory() as session:  # a run that dies before its commit sends nothing
        assert cancel_batch.send_cancellation_batch(session, tenant.id, BANK, rt.clock())[1] == 1
        session.rollback()
    db.expire_all()
    assert request.status == "pending" and _batches(db, tenant) == []

    batch, count = cycle.cancel_mandates(rt, tenant.id, BANK)
    assert count == 1
    assert cycle.cancel_mandates(rt, tenant.id, BANK) == (None, 0)  # each request sent once
    (message,) = _batches(db, tenant)
    assert message.target == f"MMS-CXL-{batch}.zip"
    db.expire_all()
    assert (request.status, request.batch_ref, request.attempts) == ("sent", batch, 1)

    assert _answer(rt, db, tenant, nach_bank) == [f"MMS-RES-CXL-{batch}.xml"]

    assert mandate.status == "cancelled"
    assert (request.status, request.answered_at is not None) == ("accepted", True)
    assert _history(db, tenant, mandate) == [
        ("initiated", "initiated"),
        ("registered", "registered"),
        ("cancel_requested", "cancel_requested"),
        ("cancel_sent", "cancel_requested"),
        ("cancelled", "cancelled"),
    ]
    assert nach_bank.bank.cancelled == {UMRN}
    assert items(db, loan.id) == []


def test_the_pain011_names_the_umrn_with_the_banks_reason_code(db, tenant, rt, nach_bank, closed):
    _loan, mandate = closed
    assert cycle.cancel_mandates(rt, tenant.id, BANK)[1] == 1
    cycle.deliver(rt, tenant.id)
    (zipped,) = (nach_bank.bank.home / "inbox").glob("MMS-CXL-*.zip")
    (request,) = mandate_repository.cancellations_of(db, mandate.id)
    with zipfile.ZipFile(io.BytesIO(zipped.read_bytes())) as archive:
        assert archive.namelist() == [f"{request.message_id}.xml"]
        (message,) = parse_emandate(archive.read(archive.namelist()[0]), source="c").records
    assert (message.original_mandate_id, message.cancellation_reason) == (UMRN, "MD17")
    assert message.header.message_id == request.message_id
    assert message.header.instructing_agent == "SBIN0000001"


def test_a_refusal_keeps_the_code_raises_an_alert_and_a_new_request_can_succeed(
    db, tenant, rt, nach_bank, closed
):
    _loan, mandate = closed
    nach_bank.bank.behaviour.force_cancel(UMRN, "M038")
    cycle.cancel_mandates(rt, tenant.id, BANK)
    _answer(rt, db, tenant, nach_bank)

    assert (mandate.status, mandate.reject_code, mandate.reject_reason) == (
        "cancel_rejected",
        "M038",
        "no such account",
    )
    (refused,) = mandate_repository.cancellations_of(db, mandate.id)
    assert (refused.status, refused.reject_code) == ("rejected", "M038")
    (alert,) = db.scalars(select(HubAlert).where(HubAlert.tenant_id == tenant.id))
    assert alert.kind == "mandate_cancel_rejected" and alert.resolved_at is None
    assert "M038: no such account" in alert.detail
    assert nach_bank.bank.cancelled == set()

    del nach_bank.bank.behaviour.cancel_forced[UMRN]  # sorted out with the bank
    mandates.cancel(db, tenant.id, mandate.id, "loan closed (again)", "ops")
    assert mandate.status == "cancel_requested"
    cycle.cancel_mandates(rt, tenant.id, BANK)
    _answer(rt, db, tenant, nach_bank)

    assert mandate.status == "cancelled"
    assert [r.status for r in mandate_repository.cancellations_of(db, mandate.id)] == [
        "rejected",
        "accepted",
    ]
    db.refresh(alert)
    assert alert.resolution == "mandate cancelled"


def test_a_repeated_answer_is_a_duplicate(db, tenant, rt, nach_bank, closed):
    _loan, mandate = closed
    batch, _ = cycle.cancel_mandates(rt, tenant.id, BANK)
    _answer(rt, db, tenant, nach_bank)
    processed = nach_bank.bank.home / "processed" / f"MMS-CXL-{batch}.zip"
    answer = nach_bank.bank.answer_cancellations(processed.read_bytes())
    responses = list(parse_emandate(answer, source="again").records)
    result = apply_responses(db, tenant.id, responses, rt.clock())
    assert (result.applied, result.duplicates) == (0, 1)
    assert result.outcomes[0].reason == "cancellation request is accepted"
    assert mandate.status == "cancelled"


def test_an_emandate_cancelled_while_its_registration_is_at_the_bank(
    db, tenant, rt, account_cipher, nach_bank, bank
):
    make_product(db, tenant)
    pending = _emandate(db, tenant, account_cipher, "50100012345678")
    refused = _emandate(db, tenant, account_cipher, "50100099999999")
    nach_bank.bank.behaviour.force("50100099999999", "M037")
    cycle.register_mandates(rt, tenant.id, BANK)
    db.expire_all()
    for m in (pending, refused):
        mandates.cancel(db, tenant.id, m.id, "loan closed", "ops")
    assert (pending.status, pending.reference) == ("cancel_requested", None)
    assert cycle.cancel_mandates(rt, tenant.id, BANK) == (None, 0)  # no UMRN to name yet

    _answer(rt, db, tenant, nach_bank)  # the registration answers
    assert pending.status == "cancel_requested" and len(pending.reference) == 20
    assert refused.status == "cancelled"  # never live at the bank: nothing to cancel
    (moot,) = mandate_repository.cancellations_of(db, refused.id)
    assert moot.status == "moot"

    assert cycle.cancel_mandates(rt, tenant.id, BANK)[1] == 1
    _answer(rt, db, tenant, nach_bank)
    assert pending.status == "cancelled"
    assert [k for k, _ in _history(db, tenant, pending)] == [
        "initiated",
        "submitted",
        "cancel_requested",
        "reference_known",
        "cancel_sent",
        "cancelled",
    ]


def test_a_presented_umrn_cancelled_at_the_bank_returns_61(db, tenant, rt, nach_bank, bank):
    """Belt and braces: the sandbox bank refuses debits on a UMRN it cancelled."""
    make_product(db, tenant)
    loan, mandate = loan_with_mandate(db, tenant, rt.accounts, umrn=UMRN)
    close_days_through(db, tenant, date(2024, 1, 31))
    nach_bank.bank.cancelled.add(UMRN)
    cycle.present(rt, tenant.id, BANK, date(2024, 2, 1))
    _answer(rt, db, tenant, nach_bank)
    (item,) = items(db, loan.id)
    assert (item.status, item.reason_code) == ("returned", "61")
    assert mandates.get(db, tenant.id, mandate.id).status == "dead"
