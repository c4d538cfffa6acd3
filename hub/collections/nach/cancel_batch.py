"""NACH mandate cancellation: a batch of pain.011 to the sponsor bank, its pain.012 back.

:func:`send_cancellation_batch` takes every pending NACH cancellation request whose
mandate has a UMRN, writes one pain.011 ``MndtCxlReq`` each (message id = the request's
``message_id``, reason code from the bank's settings, ``OrgnlMndtId`` = the UMRN), zips
them as ``MMS-CXL-<batch>.zip`` and queues the zip for SFTP delivery through the outbox,
in the same transaction that marks the requests ``sent``. So each request is sent once:
a run that crashes before its commit leaves them pending and queues nothing; a run
after the commit finds nothing pending; the outbox retries the one file under its
message key. The requests are locked SKIP LOCKED, so two runs never share one.

The bank answers with a pain.012 acceptance report (``MMS-RES-CXL-*``, document kind
``emandate_response``, the registration batches' handler), whose ``OrgnlMsgInf/MsgId``
is our pain.011's: :func:`apply_answer` confirms the cancellation or records the
refusal with the bank's code and raises an alert. An answer to a request already
answered is a duplicate.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from sqlalchemy.orm import Session

from formats.nach.emandate_iso import IsoHeader, MandateCancellation, write_iso
from formats.nach.emandate_records import MandateResponse
from hub.collections import cancellation
from hub.collections.nach.bank_settings import NachBankSettings, load
from hub.integration.inbox.handlers import Outcome
from hub.integration.outbox.service import DeliveryChannel, enqueue
from lms_core.collections.enums import CancellationStatus, CancelRail
from lms_core.integration.enums import RecordOutcome
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.collections.models import Mandate
from lms_core.persistence.collections.models import MandateCancellation as CancelRow

EVENT_TYPE = "nach.mandate_cancel_batch"
ACTOR = "emandate-cancel"


def build_batch(
    todo: list[tuple[CancelRow, Mandate]], bank: NachBankSettings, now: datetime
) -> bytes:
    """Return the zip of one pain.011 per (request, mandate)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as batch:
        for row, m in todo:
            header = IsoHeader(row.message_id, now, bank.sponsor_ifsc, m.debtor_ifsc or "")
            message = MandateCancellation(header, bank.cancel_reason_code, m.reference or "")
            batch.writestr(f"{row.message_id}.xml", write_iso(message))
    return buffer.getvalue()


def send_cancellation_batch(
    session: Session, tenant_id: int, bank_code: str, now: datetime, actor: str = ACTOR
) -> tuple[str | None, int]:
    """Queue every pending NACH cancellation of the tenant in one batch; return
    (batch reference, count), (None, 0) when there is nothing to send."""
    counterpart, bank = load(session, tenant_id, bank_code)
    todo = mandate_repository.cancellations_to_send(
        session, tenant_id, CancelRail.NACH, need_reference=True
    )
    if not todo:
        return None, 0
    batch_ref = f"{now:%Y%m%d%H%M%S}-{todo[0][0].id}"
    enqueue(
        session,
        counterpart,
        event_type=EVENT_TYPE,
        body=build_batch(todo, bank, now),
        channel=DeliveryChannel.SFTP,
        now=now,
        target=f"MMS-CXL-{batch_ref}.zip",
        message_key=f"nach-mcx:{batch_ref}",
        content_type="application/zip",
    )
    for row, _mandate in todo:
        cancellation.mark_sent(session, tenant_id, row, actor, now, batch_ref=batch_ref)
    return batch_ref, len(todo)


def apply_answer(
    session: Session,
    tenant_id: int,
    row: CancelRow,
    response: MandateResponse,
    number: int,
    now: datetime,
) -> Outcome | None:
    """Apply the bank's answer to one request; return its outcome if not simply applied."""
    if row.status != CancellationStatus.SENT:
        return Outcome(
            number,
            RecordOutcome.DUPLICATE,
            row.message_id,
            None,
            f"cancellation request is {row.status}",
        )
    if response.accepted:
        cancellation.confirm_cancelled(
            session, tenant_id, row.mandate_id, "cancellation accepted by the bank", ACTOR, now
        )
        return None
    code = response.reject_code or "UNKNOWN"
    text = response.reject_description or "cancellation rejected by the bank"
    cancellation.refuse_cancel(session, tenant_id, row, code, text, ACTOR, now)
    return None
