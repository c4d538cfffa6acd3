"""The mandate registry: every standing debit authority a borrower gave, per loan, any rail.

A *mandate* lets us debit the borrower's account on our own initiative: a NACH mandate
(paper ``nach_physical`` or online ``nach_emandate``, debited through the sponsor bank's
ACH files) or a UPI AutoPay mandate (``upi_autopay``, debited through a PSP). Every rail
uses this one registry, so "how will this loan be collected?" is one query.

Life cycle (rules as data in :data:`TRANSITIONS`; each move writes a ``mandate_event``
row with the business date, the actor and an optional code, so the history is complete)::

    initiated -> submitted -> registered -> (amended) -> cancelled | expired | dead
                          \\-> rejected (code)      \\-> paused <-> registered (UPI)
    submitted | registered | paused -> cancel_requested -> cancelled
                                                       \\-> cancel_rejected (code) -> ...

A cancellation *by us* (:func:`cancel`: loan closed, an operator) of a mandate the bank
or PSP knows is only a request until they confirm it (:mod:`hub.collections.cancellation`):
the mandate is ``cancel_requested`` (never debited again) with a ``mandate_cancellation``
row that the pain.011 batch or the UPI revoke carries out.

Using it from another rail (e.g. UPI AutoPay)::

    cipher = AccountCipher.from_settings(settings)          # Fernet, the app's key
    m = create(session, cipher, tenant_id, MandateIn(loan_id=7, kind=MandateKind.UPI_AUTOPAY,
               debtor_name="Ravi", debtor_account="ravi@okbank", amount=D("5000"),
               amount_rule=AmountRule.MAXIMUM, frequency="MNTH", start_date=day,
               provider="psp_one"), actor="api")
    submit(session, tenant_id, m.id, actor="psp", provider_ref="PSP-MANDATE-1")
    register(session, tenant_id, m.id, reference="UMN-...", actor="psp")  # confirmed
    pause / resume / cancel / reject(code=...) / mark_dead(code=...) likewise
    active_mandate_for(session, tenant_id, loan_id, day, kinds=(MandateKind.UPI_AUTOPAY,))

``reference`` is the UMRN (NACH, 20 characters) or UMN (UPI), unique per tenant, known
once registered; ``request_id`` is ours (NACH ``MndtReqId``), unique per tenant;
``provider_ref`` and ``meta`` are free for a rail's own ids. The debtor's account
number (or VPA) is encrypted at rest; views show only ``debtor_account_masked``.

Loan closure: :func:`cancel_for_closed_loan` requests the cancellation of a closed loan's
live mandates, in the closing transaction.
Services never commit; every function raises NotFound / Conflict / Unprocessable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.collections.mandate_input import (
    NACH_KINDS as NACH_KINDS,  # re-exported: the registry's callers import it from here
)
from hub.collections.mandate_input import (
    AccountCipher,
    MandateIn,
    check_fields,
    mask_account,
)
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from lms_core.collections.enums import (
    CancellationStatus,
    CancelRail,
    MandateEventKind,
    MandateKind,
    MandateStatus,
)
from lms_core.money import PAISA
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.collections.models import Mandate, MandateCancellation, MandateEvent
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository

S = MandateStatus
LIVE = frozenset({S.INITIATED, S.SUBMITTED, S.REGISTERED, S.PAUSED})
CANCEL_PENDING = frozenset({S.CANCEL_REQUESTED, S.CANCEL_REJECTED})
REQUESTABLE = frozenset({S.SUBMITTED, S.REGISTERED, S.PAUSED, S.CANCEL_REJECTED})
#: the counterpart that must hear of a cancellation by us, per mandate kind
CANCEL_RAIL = {
    MandateKind.NACH_PHYSICAL: CancelRail.NACH,
    MandateKind.NACH_EMANDATE: CancelRail.NACH,
    MandateKind.UPI_AUTOPAY: CancelRail.UPI,
}

#: event -> (statuses it may leave, status it leaves the mandate in; None = unchanged)
TRANSITIONS: dict[MandateEventKind, tuple[frozenset[MandateStatus], MandateStatus | None]] = {
    MandateEventKind.SUBMITTED: (frozenset({S.INITIATED, S.SUBMITTED}), S.SUBMITTED),
    MandateEventKind.REGISTERED: (frozenset({S.INITIATED, S.SUBMITTED}), S.REGISTERED),
    MandateEventKind.REJECTED: (frozenset({S.INITIATED, S.SUBMITTED}), S.REJECTED),
    MandateEventKind.AMENDED: (frozenset({S.INITIATED, S.SUBMITTED, S.REGISTERED}), None),
    MandateEventKind.PAUSED: (frozenset({S.REGISTERED}), S.PAUSED),
    MandateEventKind.RESUMED: (frozenset({S.PAUSED}), S.REGISTERED),
    MandateEventKind.CANCEL_REQUESTED: (REQUESTABLE, S.CANCEL_REQUESTED),
    MandateEventKind.REFERENCE_KNOWN: (frozenset({S.CANCEL_REQUESTED}), None),
    MandateEventKind.CANCEL_SENT: (frozenset({S.CANCEL_REQUESTED}), None),
    MandateEventKind.CANCEL_REJECTED: (frozenset({S.CANCEL_REQUESTED}), S.CANCEL_REJECTED),
    MandateEventKind.CANCELLED: (LIVE | CANCEL_PENDING, S.CANCELLED),
    MandateEventKind.EXPIRED: (frozenset({S.REGISTERED, S.PAUSED}), S.EXPIRED),
    MandateEventKind.DEAD: (frozenset({S.REGISTERED, S.PAUSED}), S.DEAD),
}


def create(
    session: Session, cipher: AccountCipher, tenant_id: int, data: MandateIn, actor: str
) -> Mandate:
    """Record a new mandate (status ``initiated``); return it. Raises NotFound (loan),
    Unprocessable (bad fields), Conflict (loan not active)."""
    loan = loan_repository.get_loan(session, tenant_id, data.loan_id)
    if loan is None:
        raise NotFound(f"loan {data.loan_id} not found")
    if loan.status not in ("active", "pending"):
        raise Conflict(f"loan {loan.loan_number} is {loan.status}: no new mandates")
    check_fields(data)
    account = data.debtor_account.strip()
    mandate = Mandate(
        tenant_id=tenant_id,
        loan_id=loan.id,
        kind=str(data.kind),
        status=str(S.INITIATED),
        request_id=f"SGM{uuid.uuid4().hex[:20].upper()}",
        provider=data.provider,
        provider_ref=data.provider_ref,
        debtor_name=data.debtor_name,
        debtor_account_token=cipher.seal(account),
        debtor_account_masked=mask_account(account),
        debtor_ifsc=data.debtor_ifsc,
        account_type=data.account_type,
        amount_rule=str(data.amount_rule),
        amount=data.amount.quantize(PAISA),
        frequency=data.frequency,
        start_date=data.start_date,
        end_date=data.end_date,
        meta=dict(data.meta),
    )
    mandate_repository.add(session, mandate)
    _event(session, tenant_id, mandate, MandateEventKind.INITIATED, actor)
    if data.reference:  # a physical mandate registered outside Sangam arrives with its UMRN
        register(session, tenant_id, mandate.id, data.reference, actor)
    return mandate


def get(session: Session, tenant_id: int, mandate_id: int, *, lock: bool = False) -> Mandate:
    """Return the mandate; raises NotFound."""
    mandate = mandate_repository.get(session, tenant_id, mandate_id, lock=lock)
    if mandate is None:
        raise NotFound(f"mandate {mandate_id} not found")
    return mandate


def by_reference(session: Session, tenant_id: int, reference: str) -> Mandate | None:
    """Return the mandate with this UMRN / UMN, or None."""
    return mandate_repository.by_reference(session, tenant_id, reference)


def _event(
    session: Session,
    tenant_id: int,
    mandate: Mandate,
    kind: MandateEventKind,
    actor: str,
    code: str | None = None,
    **detail: Any,
) -> None:
    mandate_repository.add_event(
        session,
        MandateEvent(
            mandate_id=mandate.id,
            kind=str(kind),
            status=mandate.status,
            business_date=tenant_repository.business_date(session, tenant_id),
            code=code,
            detail={k: v for k, v in detail.items() if v is not None},
            actor=actor,
        ),
    )


def move(
    session: Session,
    tenant_id: int,
    mandate_id: int,
    kind: MandateEventKind,
    actor: str,
    code: str | None = None,
    **detail: Any,
) -> Mandate:
    """Apply event ``kind`` by :data:`TRANSITIONS` (history written); return the mandate.
    Raises NotFound, Conflict (not allowed from its status)."""
    mandate = get(session, tenant_id, mandate_id, lock=True)
    allowed, target = TRANSITIONS[kind]
    if mandate.status not in allowed:
        raise Conflict(f"mandate {mandate.id} is {mandate.status}: cannot be {kind}")
    if target is not None:
        mandate.status = str(target)
    _event(session, tenant_id, mandate, kind, actor, code, **detail)
    session.flush()
    return mandate


def submit(
    session: Session,
    tenant_id: int,
    mandate_id: int,
    actor: str,
    *,
    batch_ref: str | None = None,
    provider_ref: str | None = None,
) -> Mandate:
    """Mark the mandate sent to the bank / PSP (a batch file, an API call)."""
    mandate = move(
        session,
        tenant_id,
        mandate_id,
        MandateEventKind.SUBMITTED,
        actor,
        batch=batch_ref,
        provider_ref=provider_ref,
    )
    mandate.batch_ref = batch_ref or mandate.batch_ref
    mandate.provider_ref = provider_ref or mandate.provider_ref
    return mandate


def register(
    session: Session,
    tenant_id: int,
    mandate_id: int,
    reference: str,
    actor: str,
    *,
    provider_ref: str | None = None,
) -> Mandate:
    """Record the bank's / PSP's acceptance with the UMRN / UMN; raises Conflict if that
    reference belongs to another mandate."""
    other = mandate_repository.by_reference(session, tenant_id, reference)
    if other is not None and other.id != mandate_id:
        raise Conflict(f"reference {reference} is already mandate {other.id}")
    mandate = move(
        session, tenant_id, mandate_id, MandateEventKind.REGISTERED, actor, reference=reference
    )
    mandate.reference = reference
    mandate.provider_ref = provider_ref or mandate.provider_ref
    mandate.reject_code = mandate.reject_reason = None
    return mandate


def reject(
    session: Session, tenant_id: int, mandate_id: int, code: str, reason: str, actor: str
) -> Mandate:
    """Record a registration refusal with its reason code (e.g. M037, AP05)."""
    mandate = move(
        session, tenant_id, mandate_id, MandateEventKind.REJECTED, actor, code, reason=reason
    )
    mandate.reject_code, mandate.reject_reason = code, reason[:200]
    return mandate


@dataclass(frozen=True)
class Amendment:
    amount: Decimal | None = None
    end_date: date | None = None
    frequency: str | None = None
    reason: str = ""


def amend(
    session: Session, tenant_id: int, mandate_id: int, change: Amendment, actor: str
) -> Mandate:
    """Change amount / end date / frequency; the event keeps the values before and after."""
    mandate = get(session, tenant_id, mandate_id)
    before = {
        "amount": str(mandate.amount),
        "end_date": str(mandate.end_date),
        "frequency": mandate.frequency,
    }
    amount = change.amount.quantize(PAISA) if change.amount is not None else mandate.amount
    if change.amount is not None and (amount <= 0 or amount != change.amount):
        raise Unprocessable(
            "mandate amendment refused",
            problems=[FieldProblem("amount", "must be positive whole paise")],
        )
    mandate = move(
        session,
        tenant_id,
        mandate_id,
        MandateEventKind.AMENDED,
        actor,
        before=before,
        reason=change.reason or None,
        after={
            "amount": str(amount),
            "end_date": str(change.end_date or mandate.end_date),
            "frequency": change.frequency or mandate.frequency,
        },
    )
    mandate.amount = amount
    mandate.end_date = change.end_date or mandate.end_date
    mandate.frequency = change.frequency or mandate.frequency
    return mandate


def cancel(session: Session, tenant_id: int, mandate_id: int, reason: str, actor: str) -> Mandate:
    """Cancel a mandate on our initiative; return it.

    One the bank / PSP never received (``initiated``; UPI without the PSP's id) is
    ``cancelled`` at once. Any other becomes ``cancel_requested`` with one pending
    ``mandate_cancellation`` (the pain.011 batch / the UPI revoke tells the counterpart).
    Raises Conflict if it is not live (already cancelled, requested, rejected ...).
    """
    mandate = get(session, tenant_id, mandate_id, lock=True)
    rail = CANCEL_RAIL[MandateKind(mandate.kind)]
    unknown_outside = mandate.status == S.INITIATED or (
        rail is CancelRail.UPI and not mandate.provider_ref
    )
    if unknown_outside:
        return move(
            session, tenant_id, mandate_id, MandateEventKind.CANCELLED, actor, reason=reason
        )
    move(session, tenant_id, mandate_id, MandateEventKind.CANCEL_REQUESTED, actor, reason=reason)
    mandate_repository.add_cancellation(
        session,
        MandateCancellation(
            tenant_id=tenant_id,
            mandate_id=mandate.id,
            rail=str(rail),
            message_id=f"CXL{uuid.uuid4().hex[:24].upper()}",
            status=str(CancellationStatus.PENDING),
            reason=reason[:200],
            requested_on=tenant_repository.business_date(session, tenant_id),
            requested_by=actor[:100],
            attempts=0,
        ),
    )
    return mandate


def pause(session: Session, tenant_id: int, mandate_id: int, actor: str) -> Mandate:
    return move(session, tenant_id, mandate_id, MandateEventKind.PAUSED, actor)


def resume(session: Session, tenant_id: int, mandate_id: int, actor: str) -> Mandate:
    return move(session, tenant_id, mandate_id, MandateEventKind.RESUMED, actor)


def expire(session: Session, tenant_id: int, mandate_id: int, actor: str) -> Mandate:
    return move(session, tenant_id, mandate_id, MandateEventKind.EXPIRED, actor)


def mark_dead(
    session: Session, tenant_id: int, mandate_id: int, code: str, reason: str, actor: str
) -> Mandate:
    """Stop a mandate a debit proved unusable (account closed, mandate cancelled ...)."""
    mandate = move(
        session, tenant_id, mandate_id, MandateEventKind.DEAD, actor, code, reason=reason
    )
    mandate.reject_code, mandate.reject_reason = code, reason[:200]
    return mandate


def expire_past_end(session: Session, tenant_id: int, day: date, actor: str = "eod") -> list[int]:
    """Expire every registered mandate whose end date is before ``day``; return the ids."""
    ids = [m.id for m in mandate_repository.past_end(session, tenant_id, day)]
    for mandate_id in ids:
        expire(session, tenant_id, mandate_id, actor)
    return ids


def active_mandate_for(
    session: Session,
    tenant_id: int,
    loan_id: int,
    day: date | None = None,
    kinds: tuple[MandateKind, ...] = tuple(MandateKind),
) -> Mandate | None:
    """Return the loan's newest mandate of ``kinds`` that can be debited on ``day``
    (registered, within its dates; default: the business date), or None."""
    day = day or tenant_repository.business_date(session, tenant_id)
    found = mandate_repository.active_for_loans(session, tenant_id, [loan_id], day, kinds)
    return found.get(loan_id)


def cancel_for_closed_loan(
    session: Session, tenant_id: int, loan_id: int, actor: str = "system"
) -> list[int]:
    """Cancel (or request the cancellation of) every live mandate of a closed loan; return
    their ids (idempotent: a requested cancellation is not live)."""
    cancelled = []
    for mandate in mandate_repository.for_loan(session, tenant_id, loan_id, lock=True):
        if mandate.status in LIVE:
            cancel(session, tenant_id, mandate.id, "loan closed", actor)
            cancelled.append(mandate.id)
    return cancelled


def on_loan_closed(session: Session, *, tenant_id: int, loan_id: int, **_: object) -> None:
    """Subscriber of ``loan.closed`` (collections' module.py): no debit after closure."""
    cancel_for_closed_loan(session, tenant_id, loan_id, actor="loan-closure")


def history(session: Session, tenant_id: int, mandate_id: int) -> list[MandateEvent]:
    """Return the mandate's events, oldest first; raises NotFound."""
    get(session, tenant_id, mandate_id)
    return mandate_repository.events(session, [mandate_id])
