"""UPI AutoPay mandates: created through the PSP, kept in the mandate registry.

:func:`create_mandate` records the mandate in the registry (``initiated``), asks the PSP
for it (our request id is the PSP's idempotency key), marks it ``submitted`` with the
PSP's id and returns the payer's approval link and UPI intent. The payer approves in
their UPI app; the PSP's webhook then registers the mandate with its UMN.

:func:`apply_mandate_event` moves the registry row the way a PSP event says, through the
registry's own transitions (so the history is written there), guarded by the mandate's
``last_event_at``: an event not newer than the last one applied changes nothing. A pause
that overtook the confirmation registers (UMN from the event) and then pauses. A
``cancelled`` event confirms our revoke (or is the payer's own revoke): ``cancelled``.

:func:`cancel_mandate` is our cancellation: requested in the registry, revoked at the PSP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from connectors.upi_autopay.api import MandateRequest
from formats.upi.autopay_events import UpiEvent
from hub.collections import cancellation
from hub.collections import mandates as registry
from hub.collections.mandates import AccountCipher, MandateIn
from hub.collections.upi.psp import api_of, call, psp_row
from hub.collections.upi.revoke import request_and_revoke
from hub.collections.upi.rules import (
    AWAITING_APPROVAL,
    REGISTRY_FREQUENCY,
    Recurrence,
    is_newer,
    mandate_target,
)
from hub.integration.counterparts import Cipher
from hub.platform.errors import Conflict, FieldProblem, Unprocessable
from lms_core.collections.enums import AmountRule, MandateKind, MandateStatus
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.collections.models import Mandate
from lms_core.persistence.collections.upi_models import UpiMandate


class UpiAmountRule(StrEnum):
    MAX = "MAX"
    EXACT = "EXACT"


_REGISTRY_RULE = {UpiAmountRule.MAX: AmountRule.MAXIMUM, UpiAmountRule.EXACT: AmountRule.FIXED}
UPI_RULE = {str(v): k for k, v in _REGISTRY_RULE.items()}


@dataclass(frozen=True)
class UpiMandateIn:
    loan_id: int
    psp: str  # the PSP counterpart's code
    payer_vpa: str
    payer_name: str
    amount: Decimal
    amount_rule: UpiAmountRule
    recurrence: Recurrence
    start_date: date
    end_date: date | None = None


@dataclass(frozen=True)
class CreatedMandate:
    mandate: Mandate
    upi: UpiMandate


def _check(data: UpiMandateIn) -> None:
    problems = []
    user, at, handle = data.payer_vpa.partition("@")
    if not (user and at and handle):
        problems.append(FieldProblem("payer_vpa", f"{data.payer_vpa!r} is not a UPI id (name@psp)"))
    if data.recurrence is Recurrence.ONETIME and data.end_date is None:
        problems.append(FieldProblem("end_date", "a one-time mandate needs its validity end"))
    if problems:
        raise Unprocessable("UPI mandate refused", problems=problems)


def create_mandate(
    session: Session, cipher: Cipher, tenant_id: int, data: UpiMandateIn, actor: str
) -> CreatedMandate:
    """Create the mandate in the registry and at the PSP; return it with the approval link.

    Raises NotFound (loan, PSP), Unprocessable (fields, or the PSP refused),
    Conflict (loan not active), ServiceUnavailable (the PSP is down: nothing recorded).
    """
    _check(data)
    row = psp_row(session, tenant_id, data.psp)
    mandate = registry.create(
        session,
        AccountCipher(cipher.key),
        tenant_id,
        MandateIn(
            loan_id=data.loan_id,
            kind=MandateKind.UPI_AUTOPAY,
            debtor_name=data.payer_name,
            debtor_account=data.payer_vpa,
            amount=data.amount,
            amount_rule=_REGISTRY_RULE[data.amount_rule],
            frequency=REGISTRY_FREQUENCY[data.recurrence],
            start_date=data.start_date,
            end_date=data.end_date,
            provider=row.code,
            meta={"recurrence": str(data.recurrence)},
        ),
        actor,
    )
    request = MandateRequest(
        reference=mandate.request_id,
        payer_vpa=data.payer_vpa.strip(),
        payer_name=data.payer_name,
        amount=mandate.amount,
        amount_rule=str(data.amount_rule),
        recurrence=str(data.recurrence),
        start=data.start_date,
        end=data.end_date,
    )
    with api_of(cipher, row) as api:
        created = call(row, lambda: api.create_mandate(request))
    registry.submit(session, tenant_id, mandate.id, actor, provider_ref=created.psp_mandate_id)
    upi = UpiMandate(
        mandate_id=mandate.id,
        tenant_id=tenant_id,
        counterpart_id=row.id,
        recurrence=str(data.recurrence),
        approval_url=created.approval_url,
        intent_url=created.intent_url,
    )
    repository.add(session, upi)
    return CreatedMandate(mandate, upi)


@dataclass(frozen=True)
class Applied:
    """What one event did: ``outcome`` is applied / stale / no_change / unmatched."""

    outcome: str
    subject: str | None = None
    detail: str | None = None


def apply_mandate_event(
    session: Session, tenant_id: int, psp_code: str, event: UpiEvent, actor: str
) -> Applied:
    """Apply a mandate event in timestamp order; return what it did."""
    mandate = event.mandate_ref and repository.mandate_by_request_id(
        session, tenant_id, event.mandate_ref, lock=True
    )
    if not mandate or mandate.provider != psp_code:
        return Applied("unmatched", None, f"no UPI mandate {event.mandate_ref!r} at {psp_code}")
    subject = f"mandate:{mandate.id}"
    upi = repository.upi_mandate(session, mandate.id, lock=True)
    _remember_umn(session, tenant_id, mandate, event.umn)
    if not is_newer(upi.last_event_at, event.occurred_at):
        return Applied("stale", subject, f"older than {upi.last_event_at.isoformat()}")
    target = mandate_target(mandate.status, event.kind)
    if target is None:
        return Applied("no_change", subject, f"mandate is {mandate.status}")
    needs_umn = target in (MandateStatus.REGISTERED, MandateStatus.PAUSED)
    if needs_umn and mandate.status in AWAITING_APPROVAL and not event.umn:
        raise Conflict(f"mandate {mandate.id} became {target} but the event has no UMN")
    _move(session, tenant_id, mandate, target, event, actor)
    upi.last_event_at = event.occurred_at
    return Applied("applied", subject, f"now {mandate.status}")


def _remember_umn(session: Session, tenant_id: int, mandate: Mandate, umn: str | None) -> None:
    """Keep the UMN from any event (even a stale one) once the mandate has passed approval."""
    if umn and mandate.reference is None and mandate.status not in AWAITING_APPROVAL:
        other = registry.by_reference(session, tenant_id, umn)
        if other is not None and other.id != mandate.id:
            raise Conflict(f"UMN {umn} is already mandate {other.id}")
        mandate.reference = umn


def _move(
    session: Session,
    tenant_id: int,
    mandate: Mandate,
    target: MandateStatus,
    event: UpiEvent,
    actor: str,
) -> None:
    """Walk the registry from the mandate's status to ``target`` (one or two steps)."""
    mid, pending = mandate.id, mandate.status in AWAITING_APPROVAL
    if target is MandateStatus.REJECTED:
        code = (event.reason or "REJECTED")[:20]
        registry.reject(session, tenant_id, mid, code, event.reason or "rejected by payer", actor)
        return
    if target is MandateStatus.CANCELLED or (
        target is MandateStatus.EXPIRED and pending and not event.umn
    ):
        reason = event.reason or f"{event.kind} at the PSP"
        cancellation.confirm_cancelled(session, tenant_id, mid, reason, actor, event.occurred_at)
        return
    if pending:
        registry.register(session, tenant_id, mid, event.umn, actor)
    if target is MandateStatus.REGISTERED and mandate.status == MandateStatus.PAUSED:
        registry.resume(session, tenant_id, mid, actor)
    elif target is MandateStatus.PAUSED:
        registry.pause(session, tenant_id, mid, actor)
    elif target is MandateStatus.EXPIRED:
        registry.expire(session, tenant_id, mid, actor)


def cancel_mandate(
    session: Session, cipher: Cipher, tenant_id: int, mandate_id: int, reason: str, actor: str
) -> Mandate:
    """Cancel a UPI mandate on our initiative (e.g. the loan closed); return it.

    The registry records the request (``cancel_requested``: no more debits) and the PSP
    is asked to revoke it now (:mod:`hub.collections.upi.revoke`); its ``cancelled`` webhook
    makes it ``cancelled``. A PSP outage leaves the revoke pending for the daily UPI job; a refusal
    is recorded with the PSP's reason and alerted. Raises NotFound, Conflict (not a UPI
    mandate, or not live).
    """
    mandate = registry.get(session, tenant_id, mandate_id, lock=True)
    if mandate.kind != MandateKind.UPI_AUTOPAY:
        raise Conflict(f"mandate {mandate_id} is {mandate.kind}, not UPI AutoPay")
    # why: the wall clock only stamps the request; the business date dates the history
    request_and_revoke(session, cipher, tenant_id, mandate_id, reason, actor, datetime.now(UTC))
    return mandate
