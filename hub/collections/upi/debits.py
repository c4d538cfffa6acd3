"""UPI AutoPay cycles: the pre-debit notice, the debit, and what the PSP says of them.

Per recurrence cycle of a mandate (:func:`hub.collections.upi.rules.cycle_key`):

1. :func:`send_notice` asks the PSP to notify the payer of the amount and debit date. The
   PSP's notification time starts the 24-hour clock. A notice above the PSP's
   additional-authentication limit is sent but flagged ``needs_auth``: no automatic debit.
2. :func:`execute_debit` triggers the debit of exactly the notified amount, at least 24 h
   after the notice and not before the notified date, once per cycle (a failed attempt
   may be retried up to the PSP's ``max_debit_attempts``). The outcome arrives by webhook;
   a debit the PSP refuses on the spot (4xx) is recorded as a failed attempt with its
   reason, like one that fails later.
3. :func:`apply_debit_event`: success posts the repayment once (external reference
   ``upi:<debit reference>``) and records the expected PSP settlement for
   reconciliation; a failure frees the cycle for a retry; a refund reverses the repayment.

``now`` is the hub's clock (wall clock in production; the demo and tests inject theirs);
business dates come from the tenant, never from ``now``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from formats.upi.autopay_events import EventKind, UpiEvent
from hub.collections import mandates as registry
from hub.collections.upi.mandates import Applied
from hub.collections.upi.psp import api_of, call, psp_by_id, rules_of
from hub.collections.upi.rules import (
    CycleStatus,
    CycleView,
    DebitStatus,
    MandateView,
    Recurrence,
    UpiRules,
    cycle_key,
    debit_refusal,
    debit_transition,
    is_newer,
    notice_refusal,
)
from hub.integration.counterparts import Cipher
from hub.loans.repayments import Channel, RepaymentIn, post_repayment, reverse_repayment
from hub.platform.errors import Conflict, FieldProblem, NotFound, SangamError, Unprocessable
from hub.recon.expected import cancel_expected, record_expected
from lms_core.collections.enums import MandateKind
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.collections.models import Mandate
from lms_core.persistence.collections.upi_models import UpiCycle, UpiDebit, UpiMandate
from lms_core.persistence.integration.models import Counterpart
from lms_core.persistence.platform import tenant_repository


def _mandate(session: Session, tenant_id: int, mandate_id: int) -> tuple[Mandate, UpiMandate]:
    mandate = registry.get(session, tenant_id, mandate_id, lock=True)
    upi = repository.upi_mandate(session, mandate_id)
    if mandate.kind != MandateKind.UPI_AUTOPAY or upi is None:
        raise NotFound(f"mandate {mandate_id} is not a UPI AutoPay mandate")
    return mandate, upi


def _view(mandate: Mandate) -> MandateView:
    return MandateView(
        mandate.status, mandate.amount_rule, mandate.amount, mandate.start_date, mandate.end_date
    )


def send_notice(
    session: Session,
    cipher: Cipher,
    tenant_id: int,
    mandate_id: int,
    amount,
    debit_date: date,
    actor: str,
) -> UpiCycle:
    """Notify the payer of a debit through the PSP; return the cycle (the stored one if this
    cycle was notified of the same amount and date already).

    Raises NotFound, Unprocessable (amount / date / validity / the PSP refused), Conflict
    (the cycle was notified of something else), ServiceUnavailable (PSP down).
    """
    mandate, upi = _mandate(session, tenant_id, mandate_id)
    today = tenant_repository.business_date(session, tenant_id)
    key = cycle_key(Recurrence(upi.recurrence), mandate.start_date, debit_date)
    existing = repository.cycle_by_key(session, mandate.id, key)
    if existing is not None:
        if (existing.amount, existing.debit_date) != (amount, debit_date):
            raise Conflict(
                f"cycle {key} of mandate {mandate.id} was notified of {existing.amount} "
                f"on {existing.debit_date}: one debit per cycle"
            )
        return existing
    refusal = notice_refusal(_view(mandate), amount, debit_date, today)
    if refusal:
        raise Unprocessable("pre-debit notice refused", problems=[FieldProblem("notice", refusal)])
    row = psp_by_id(session, upi.counterpart_id)
    reference = f"UN{mandate.id}-{key}"
    with api_of(cipher, row) as api:
        notice = call(row, lambda: api.notify(mandate.provider_ref, reference, amount, debit_date))
    above = amount > rules_of(row).additional_auth_limit
    cycle = UpiCycle(
        tenant_id=tenant_id,
        mandate_id=mandate.id,
        loan_id=mandate.loan_id,
        cycle_key=key,
        reference=reference,
        psp_notification_id=notice.psp_notification_id,
        amount=amount,
        debit_date=debit_date,
        notified_on=today,
        notified_at=notice.notified_at,
        status=str(CycleStatus.NEEDS_AUTH if above else CycleStatus.NOTIFIED),
        attempts=0,
    )
    repository.add(session, cycle)
    return cycle


def execute_debit(
    session: Session,
    cipher: Cipher,
    tenant_id: int,
    cycle_id: int,
    amount,
    now: datetime,
    actor: str,
) -> UpiDebit:
    """Trigger the cycle's debit at the PSP; return the attempt (pending, or failed if the
    PSP refused it).

    Raises NotFound, Unprocessable (amount differs from the notice), Conflict (younger
    than 24 h, before the debit date, cycle already debited or in flight, attempts used
    up, above the additional-authentication limit, mandate not registered),
    ServiceUnavailable (PSP down: nothing recorded). A refusal by the PSP is no error:
    the attempt is returned ``failed`` with the PSP's reason.
    """
    cycle = repository.cycle(session, tenant_id, cycle_id, lock=True)
    if cycle is None:
        raise NotFound(f"UPI cycle {cycle_id} not found")
    if amount != cycle.amount:
        raise Unprocessable(
            "debit refused",
            problems=[FieldProblem("amount", f"{amount} differs from the notified {cycle.amount}")],
        )
    mandate, upi = _mandate(session, tenant_id, cycle.mandate_id)
    row = psp_by_id(session, upi.counterpart_id)
    today = tenant_repository.business_date(session, tenant_id)
    refusal = debit_refusal(rules_of(row), _view(mandate), _cycle_view(cycle), amount, now, today)
    if refusal:
        raise Conflict(f"debit of cycle {cycle.id} refused: {refusal}")
    attempt = cycle.attempts + 1
    debit = UpiDebit(
        tenant_id=tenant_id,
        cycle_id=cycle.id,
        mandate_id=mandate.id,
        loan_id=cycle.loan_id,
        attempt=attempt,
        reference=f"UD{cycle.id}-{attempt}",
        amount=amount,
        status=str(DebitStatus.PENDING),
        requested_at=now,
        business_date=today,
    )
    repository.add(session, debit)
    try:
        with api_of(cipher, row) as api:
            accepted = call(
                row,
                lambda: api.execute(mandate.provider_ref, debit.reference, cycle.reference, amount),
            )
    except Unprocessable as exc:  # the PSP refused this attempt: it counts, with its reason
        cycle.attempts = attempt
        _attempt_failed(cycle, debit, rules_of(row), exc.detail)
        return debit
    debit.psp_payment_id = accepted.psp_payment_id
    cycle.attempts, cycle.status = attempt, str(CycleStatus.DEBITING)
    return debit


def _attempt_failed(cycle: UpiCycle, debit: UpiDebit, rules: UpiRules, reason: str) -> None:
    """A failed attempt (refused at once, or failed by webhook): retry while allowed."""
    debit.status, debit.reason = str(DebitStatus.FAILED), reason[:200]
    more = cycle.attempts < rules.max_attempts
    cycle.status = str(CycleStatus.RETRY if more else CycleStatus.EXHAUSTED)


def _cycle_view(cycle: UpiCycle) -> CycleView:
    return CycleView(
        cycle.status, cycle.amount, cycle.notified_at, cycle.debit_date, cycle.attempts
    )


def execute_due(
    session: Session, cipher: Cipher, tenant_id: int, now: datetime, actor: str = "upi-job"
) -> dict[str, int]:
    """Debit every cycle due today whose notice is old enough; return counts by outcome.

    Cycles flagged ``needs_auth`` are left alone; a refusal or PSP error on one cycle is
    counted and the others go on (each in its own savepoint).
    """
    today = tenant_repository.business_date(session, tenant_id)
    ready = (CycleStatus.NOTIFIED, CycleStatus.RETRY)
    counts = {"executed": 0, "refused": 0}
    for cycle_id in repository.cycles_due(session, tenant_id, today, ready):
        cycle = repository.cycle(session, tenant_id, cycle_id)
        try:
            with session.begin_nested():
                debit = execute_debit(
                    session, cipher, tenant_id, cycle_id, cycle.amount, now, actor
                )
            counts["refused" if debit.status == DebitStatus.FAILED else "executed"] += 1
        except SangamError:
            counts["refused"] += 1
    return counts


def apply_notice_event(session: Session, tenant_id: int, event: UpiEvent) -> Applied:
    """Record that the PSP notified the payer (or could not)."""
    cycle = event.reference and repository.cycle_by_reference(
        session, tenant_id, event.reference, lock=True
    )
    if not cycle:
        return Applied("unmatched", None, f"no UPI notice {event.reference!r}")
    subject = f"cycle:{cycle.id}"
    if not is_newer(cycle.last_event_at, event.occurred_at):
        return Applied("stale", subject, f"older than {cycle.last_event_at.isoformat()}")
    cycle.last_event_at = event.occurred_at
    if event.kind is EventKind.NOTIFICATION_INITIATED:
        cycle.delivered_at = event.occurred_at
        return Applied("applied", subject, "payer notified")
    if cycle.status in (CycleStatus.NOTIFIED, CycleStatus.NEEDS_AUTH):
        cycle.status = str(CycleStatus.NOTICE_FAILED)
        return Applied("applied", subject, f"notice failed: {event.reason}")
    return Applied("no_change", subject, f"cycle is {cycle.status}")


def apply_debit_event(
    session: Session, tenant_id: int, psp: Counterpart, event: UpiEvent, actor: str
) -> Applied:
    """Apply a debit or refund event in timestamp order; return what it did."""
    debit = event.reference and repository.debit_by_reference(
        session, tenant_id, event.reference, lock=True
    )
    if not debit:
        return Applied("unmatched", None, f"no UPI debit {event.reference!r}")
    subject = f"debit:{debit.id}"
    if not is_newer(debit.last_event_at, event.occurred_at):
        return Applied("stale", subject, f"older than {debit.last_event_at.isoformat()}")
    new = debit_transition(debit.status, event.kind)
    if new is None:
        return Applied("no_change", subject, f"debit is {debit.status}")
    if event.kind is EventKind.DEBIT_SUCCESS and event.amount not in (None, debit.amount):
        raise Conflict(
            f"debit {debit.reference}: PSP reports {event.amount}, we asked {debit.amount}"
        )
    cycle = repository.cycle(session, tenant_id, debit.cycle_id, lock=True)
    rules = rules_of(psp)
    debit.status, debit.last_event_at = str(new), event.occurred_at
    if new is DebitStatus.SUCCESS:
        _settled(session, tenant_id, psp, rules, cycle, debit, event, actor)
    elif new is DebitStatus.REFUNDED:
        _refunded(session, tenant_id, cycle, debit, event, actor)
    else:
        _attempt_failed(cycle, debit, rules, event.reason or str(event.kind))
        debit.status = str(new)
    session.flush()  # why: the one-debit-per-cycle index speaks now, inside the savepoint
    return Applied("applied", subject, f"debit {debit.status}, cycle {cycle.status}")


def _settled(session, tenant_id, psp, rules: UpiRules, cycle, debit, event, actor) -> None:
    posting_ref = f"upi:{debit.reference}"
    repayment = post_repayment(
        session,
        tenant_id,
        debit.loan_id,
        RepaymentIn(
            debit.amount,
            channel=Channel.UPI,
            value_date=debit.business_date,
            reference=event.psp_id,
            external_ref=posting_ref,
        ),
        actor,
    )
    expected_on = debit.business_date + rules.settlement_lag
    record_expected(
        session,
        tenant_id,
        source="upi",
        reference=debit.reference,
        amount=debit.amount,
        direction="credit",
        expected_on=expected_on,
        loan_id=debit.loan_id,
        counterparty=psp.code,
        posting_ref=posting_ref,
        batch=f"upi:{psp.code}:{expected_on.isoformat()}",
    )
    debit.repayment_id, debit.settled_at, debit.reason = repayment.id, event.occurred_at, None
    cycle.status = str(CycleStatus.PAID)


def _refunded(session, tenant_id, cycle, debit, event, actor) -> None:
    debit.refund_id = event.refund_id
    cycle.status = str(CycleStatus.REFUNDED)
    if debit.repayment_id is None:
        return  # the refund overtook the success: nothing was posted, nothing to reverse
    reason = f"UPI refund {event.refund_id or ''} of {debit.reference}".strip()
    reverse_repayment(session, tenant_id, debit.repayment_id, reason, actor)
    try:
        with session.begin_nested():
            cancel_expected(session, tenant_id, source="upi", reference=debit.reference)
    except (Conflict, NotFound):
        pass  # why: already matched to the PSP's payout: reconciliation shows the refund


def cycle_rows(session: Session, tenant_id: int, cycles: list[UpiCycle]) -> list[tuple]:
    """Return (cycle, [its debit attempts]) pairs, for views."""
    debits = repository.debits_of_cycles(session, [c.id for c in cycles])
    return [(c, [d for d in debits if d.cycle_id == c.id]) for c in cycles]
