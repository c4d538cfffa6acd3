"""UPI AutoPay revoke: a cancellation of ours told to the PSP, retried until it answers.

:func:`hub.collections.mandates.cancel` leaves a UPI mandate ``cancel_requested`` with a
pending ``mandate_cancellation`` (rail ``upi``); nothing is debited on it from then on.
:func:`send_revoke` calls the PSP's revoke API with the request's ``message_id`` as the
idempotency key (a retry after a timeout is one revoke at the PSP):

* accepted: the request is ``sent``; the PSP's ``cancelled`` webhook then confirms it
  (:func:`hub.collections.upi.mandates.apply_mandate_event`: the mandate ends ``cancelled``);
* an outage (timeout, 429, 5xx): the request stays ``pending`` with the error and the
  attempt counted; :func:`revoke_pending` (run by the daily UPI job) tries again;
* a refusal (4xx): ``cancel_rejected`` with the PSP's reason and a hub alert.

Services never commit; ``now`` only stamps the request (dates come from the tenant).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from connectors.sdk.transport.errors import FatalError, RetriableError
from hub.collections import cancellation
from hub.collections import mandates as registry
from hub.collections.upi.psp import api_of, psp_row
from hub.integration.counterparts import Cipher
from hub.platform.errors import SangamError
from lms_core.collections.enums import CancelRail
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.collections.models import MandateCancellation


class RevokeOutcome(StrEnum):
    SENT = "sent"  # the PSP accepted the revoke; its webhook confirms
    RETRY = "retry"  # the PSP could not be reached: still pending
    REFUSED = "refused"  # the PSP refused: cancel_rejected, alerted


def send_revoke(
    session: Session,
    cipher: Cipher,
    tenant_id: int,
    request: MandateCancellation,
    now: datetime,
    actor: str,
) -> RevokeOutcome:
    """Ask the PSP to revoke the request's mandate; return what happened.
    Raises NotFound if the mandate's PSP is no longer a counterpart."""
    mandate = registry.get(session, tenant_id, request.mandate_id, lock=True)
    row = psp_row(session, tenant_id, mandate.provider or "")
    try:
        with api_of(cipher, row) as api:
            api.revoke(mandate.provider_ref or "", request.message_id, request.reason)
    except RetriableError as exc:
        request.attempts += 1
        request.last_error = str(exc)[:300]
        return RevokeOutcome.RETRY
    except FatalError as exc:
        request.attempts += 1
        code = f"HTTP{exc.status}" if exc.status else "REFUSED"
        who = f"upi:{row.code}"
        cancellation.refuse_cancel(
            session, tenant_id, request, code, exc.message, who, now, counterpart_id=row.id
        )
        return RevokeOutcome.REFUSED
    cancellation.mark_sent(session, tenant_id, request, actor, now)
    return RevokeOutcome.SENT


def revoke_pending(
    session: Session, cipher: Cipher, tenant_id: int, now: datetime, actor: str = "upi-job"
) -> dict[str, int]:
    """Send every pending UPI revoke of the tenant; return counts by outcome. Each runs in
    its own savepoint: one that fails leaves the others done and itself pending."""
    counts = dict.fromkeys(RevokeOutcome, 0)
    for request, _mandate in mandate_repository.cancellations_to_send(
        session, tenant_id, CancelRail.UPI
    ):
        try:
            with session.begin_nested():
                outcome = send_revoke(session, cipher, tenant_id, request, now, actor)
        except SangamError as exc:
            request.last_error = exc.detail[:300]
            outcome = RevokeOutcome.RETRY
        counts[outcome] += 1
    return {str(k): v for k, v in counts.items()}


def request_and_revoke(
    session: Session, cipher: Cipher, tenant_id: int, mandate_id: int, reason: str, actor: str, now
) -> RevokeOutcome | None:
    """Cancel a UPI mandate on our initiative and tell the PSP at once; return the revoke's
    outcome (None: the PSP never had the mandate, so it is simply cancelled)."""
    registry.cancel(session, tenant_id, mandate_id, reason, actor)
    request = mandate_repository.open_cancellation(session, mandate_id, lock=True)
    if request is None:
        return None
    return send_revoke(session, cipher, tenant_id, request, now, actor)
