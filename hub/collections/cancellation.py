"""How a cancellation we asked for ends: sent, confirmed, refused, or made moot.

:func:`hub.collections.mandates.cancel` leaves a mandate ``cancel_requested`` with one
open ``mandate_cancellation``. The rail carries it out and reports here:

* :func:`mark_sent`: the request left (a pain.011 in a queued batch; the PSP's revoke
  API accepted the call). The mandate's history says so; its status does not change.
* :func:`confirm_cancelled`: the bank's pain.012 accepted it, the PSP's ``cancelled``
  webhook arrived, or the payer revoked the mandate themselves: ``cancelled``. Alerts
  raised by earlier refusals of the same mandate are resolved.
* :func:`refuse_cancel`: the bank / PSP refused, with its code: ``cancel_rejected``
  and a hub alert (``mandate_cancel_rejected``) for a person; :func:`cancel` may ask
  again from there.
* :func:`registration_answered`: a mandate cancelled while its registration was with
  the bank learns its UMRN now (so the pain.011 can name it), or, refused, was never
  live: it is cancelled and the request is moot.

Services never commit; ``now`` only stamps rows (dates come from the tenant).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hub.collections import mandates
from hub.platform.errors import Conflict
from lms_core.collections.enums import CancellationStatus, MandateEventKind
from lms_core.integration.enums import AlertKind
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.collections.models import Mandate, MandateCancellation
from lms_core.persistence.integration import alert_repository

ALERT_PREFIX = "mandate_cancel"


def alert_key(cancellation: MandateCancellation) -> str:
    return f"{ALERT_PREFIX}:{cancellation.mandate_id}:{cancellation.id}"


def mark_sent(
    session: Session,
    tenant_id: int,
    cancellation: MandateCancellation,
    actor: str,
    now: datetime,
    *,
    batch_ref: str | None = None,
) -> None:
    """Record that the request left for the counterpart (pending -> sent)."""
    cancellation.status = str(CancellationStatus.SENT)
    cancellation.batch_ref = batch_ref or cancellation.batch_ref
    cancellation.sent_at, cancellation.last_error = now, None
    cancellation.attempts += 1
    mandates.move(
        session,
        tenant_id,
        cancellation.mandate_id,
        MandateEventKind.CANCEL_SENT,
        actor,
        message=cancellation.message_id,
        batch=batch_ref,
    )


def confirm_cancelled(
    session: Session, tenant_id: int, mandate_id: int, reason: str, actor: str, now: datetime
) -> Mandate:
    """Cancel the mandate for good (confirmed, or revoked by the payer); return it.
    Raises Conflict if it is already final."""
    mandate = mandates.move(
        session, tenant_id, mandate_id, MandateEventKind.CANCELLED, actor, reason=reason
    )
    open_row = mandate_repository.open_cancellation(session, mandate_id, lock=True)
    if open_row is not None:
        open_row.status, open_row.answered_at = str(CancellationStatus.ACCEPTED), now
    for row in mandate_repository.cancellations_of(session, mandate_id):
        if row.status == CancellationStatus.REJECTED:
            alert_repository.resolve(session, tenant_id, alert_key(row), "mandate cancelled", now)
    return mandate


def refuse_cancel(
    session: Session,
    tenant_id: int,
    cancellation: MandateCancellation,
    code: str,
    reason: str,
    actor: str,
    now: datetime,
    *,
    counterpart_id: int | None = None,
) -> Mandate:
    """Record the counterpart's refusal of our request and alert; return the mandate."""
    mandate = mandates.move(
        session,
        tenant_id,
        cancellation.mandate_id,
        MandateEventKind.CANCEL_REJECTED,
        actor,
        code[:20],
        reason=reason,
        message=cancellation.message_id,
    )
    cancellation.status, cancellation.answered_at = str(CancellationStatus.REJECTED), now
    cancellation.reject_code, cancellation.reject_reason = code[:20], reason[:200]
    mandate.reject_code, mandate.reject_reason = code[:20], reason[:200]
    who = mandate.reference or mandate.request_id
    alert_repository.raise_once(
        session,
        tenant_id=tenant_id,
        kind=AlertKind.MANDATE_CANCEL_REJECTED,
        key=alert_key(cancellation),
        subject=f"mandate {mandate.id} ({who}) of loan {mandate.loan_id}: cancellation refused",
        detail=(
            f"{actor} refused cancellation {cancellation.message_id} ({cancellation.reason}) "
            f"with {code}: {reason}. The mandate may still be live at the bank / PSP; no "
            "debit is presented on it. Resolve with the counterpart, then cancel again."
        )[:2000],
        now=now,
        counterpart_id=counterpart_id,
    )
    return mandate


def registration_answered(
    session: Session,
    tenant_id: int,
    mandate: Mandate,
    reference: str | None,
    actor: str,
    now: datetime,
) -> None:
    """A registration answer for a mandate whose cancellation we already asked for:
    accepted (``reference`` = UMRN) keeps the request, now able to name the mandate;
    refused (None) makes it moot and cancels the mandate."""
    if reference:
        other = mandate_repository.by_reference(session, tenant_id, reference)
        if other is not None and other.id != mandate.id:
            raise Conflict(f"reference {reference} is already mandate {other.id}")
        mandate.reference = reference
        mandates.move(
            session,
            tenant_id,
            mandate.id,
            MandateEventKind.REFERENCE_KNOWN,
            actor,
            reference=reference,
        )
        return
    open_row = mandate_repository.open_cancellation(session, mandate.id, lock=True)
    mandates.move(
        session,
        tenant_id,
        mandate.id,
        MandateEventKind.CANCELLED,
        actor,
        reason="registration refused: nothing to cancel at the bank",
    )
    if open_row is not None:
        open_row.status, open_row.answered_at = str(CancellationStatus.MOOT), now
