"""File-based e-mandate registration: a batch of pain.009 to the sponsor bank, its pain.012 back.

:func:`send_registration_batch` takes every NACH mandate still ``initiated``, writes one
pain.009 ``MndtInitnReq`` per mandate (message id = our ``request_id``), zips them as
``MMS-REQ-<batch>.zip`` and queues the zip for SFTP delivery through the outbox; the
mandates become ``submitted`` with the batch reference. The bank answers with one pain.012
acceptance report (``MMS-RES-*``, document kind ``emandate_response``), which comes
through the inbox: :class:`MandateResponseHandler` registers each accepted mandate with
its UMRN and rejects the others with the bank's code. An answer for a request we never
sent is quarantined; an answer for a mandate already decided is a duplicate. The same
report format answers cancellation batches (:mod:`hub.collections.nach.cancel_batch`): an
answer whose original message is one of our pain.011s goes there; a registration answer
for a mandate we asked to cancel meanwhile goes to
:func:`hub.collections.cancellation.registration_answered`.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from formats.nach.emandate import parse_emandate
from formats.nach.emandate_iso import IsoHeader, MandateInitiation, write_iso
from formats.nach.emandate_records import (
    AccountType,
    Category,
    Creditor,
    Debtor,
    Frequency,
    MandateResponse,
    SequenceType,
)
from formats.nach.emandate_records import (
    Mandate as MandateRecord,
)
from hub.collections import cancellation, mandates
from hub.collections.nach import cancel_batch
from hub.collections.nach.bank_settings import COUNTERPART_KIND, NachBankSettings, load
from hub.integration.inbox.handlers import (
    HANDLERS,
    HandlerResult,
    InboxHandler,
    ItemContext,
    Outcome,
)
from hub.integration.inbox.handlers import rejected as rejected_result
from hub.integration.outbox.service import DeliveryChannel, enqueue
from hub.platform.errors import SangamError
from lms_core.collections.enums import MandateKind, MandateStatus
from lms_core.integration.enums import RecordOutcome
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.collections.models import Mandate

DOCUMENT_KIND = "emandate_response"
EVENT_TYPE = "nach.mandate_batch"
ACTOR = "emandate-batch"


def _record(m: Mandate, bank: NachBankSettings, account: str) -> MandateRecord:
    fixed = m.amount_rule == "fixed"
    return MandateRecord(
        mandate_request_id=m.request_id,
        scheme_name="NACH",
        sequence_type=SequenceType.RECURRING,
        frequency=Frequency(m.frequency),
        first_collection=m.start_date,
        final_collection=m.end_date,
        debtor=Debtor(
            m.debtor_name[:40],
            account,
            AccountType(m.account_type),
            bank_member_id=m.debtor_ifsc or "",
        ),
        creditor=Creditor(bank.user_name[:40], bank.account_number, bank.sponsor_ifsc),
        collection_amount=m.amount if fixed else None,
        maximum_amount=None if fixed else m.amount,
        category=Category(bank.category_code),
    )


def build_batch(
    pending: list[Mandate], bank: NachBankSettings, cipher: mandates.AccountCipher, now: datetime
) -> bytes:
    """Return the zip of one pain.009 per mandate."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as batch:
        for m in pending:
            header = IsoHeader(m.request_id, now, bank.sponsor_ifsc, m.debtor_ifsc or "")
            record = _record(m, bank, cipher.open(m.debtor_account_token))
            batch.writestr(f"{m.request_id}.xml", write_iso(MandateInitiation(header, record)))
    return buffer.getvalue()


def send_registration_batch(
    session: Session,
    cipher: mandates.AccountCipher,
    tenant_id: int,
    bank_code: str,
    now: datetime,
    actor: str = ACTOR,
) -> tuple[str | None, int]:
    """Queue every initiated e-mandate of the tenant in one batch; return (batch, count)."""
    counterpart, bank = load(session, tenant_id, bank_code)
    pending = mandate_repository.list_mandates(
        session,
        tenant_id,
        status=MandateStatus.INITIATED,
        kind=MandateKind.NACH_EMANDATE,
        limit=10_000,
    )
    if not pending:
        return None, 0
    pending.sort(key=lambda m: m.id)
    batch_ref = f"{now:%Y%m%d%H%M%S}-{pending[0].id}"
    enqueue(
        session,
        counterpart,
        event_type=EVENT_TYPE,
        body=build_batch(pending, bank, cipher, now),
        channel=DeliveryChannel.SFTP,
        now=now,
        target=f"MMS-REQ-{batch_ref}.zip",
        message_key=f"nach-mms:{batch_ref}",
        content_type="application/zip",
    )
    for m in pending:
        mandates.submit(session, tenant_id, m.id, actor, batch_ref=batch_ref)
    return batch_ref, len(pending)


def apply_responses(
    session: Session, tenant_id: int, responses: list[MandateResponse], now: datetime
) -> HandlerResult:
    """Apply a pain.012: registrations registered / rejected, cancellations confirmed /
    refused (told apart by the original message id); return the per-record outcomes."""
    ids = [r.original_message_id for r in responses]
    by_request = {
        m.request_id: m for m in mandate_repository.by_request_ids(session, tenant_id, ids)
    }
    cancels = mandate_repository.cancellations_by_message_ids(session, tenant_id, ids)
    applied, outcomes = 0, []
    for number, response in enumerate(responses, 1):
        try:
            with session.begin_nested():
                outcome = _apply_one(session, tenant_id, number, response, by_request, cancels, now)
        except SangamError as exc:
            key = response.original_message_id
            outcome = Outcome(number, RecordOutcome.QUARANTINED, key, "OrgnlMndtId", exc.detail)
        if outcome is None:
            applied += 1
        else:
            outcomes.append(outcome)
    duplicates = sum(1 for o in outcomes if o.outcome is RecordOutcome.DUPLICATE)
    quarantined = sum(1 for o in outcomes if o.outcome is RecordOutcome.QUARANTINED)
    return HandlerResult(applied, duplicates, quarantined, tuple(outcomes))


def _apply_one(session, tenant_id, number, response, by_request, cancels, now) -> Outcome | None:
    key = response.original_message_id
    if key in cancels:
        return cancel_batch.apply_answer(session, tenant_id, cancels[key], response, number, now)
    mandate = by_request.get(key)
    if mandate is None:
        reason = f"no mandate request {key!r} was sent by us"
        return Outcome(number, RecordOutcome.QUARANTINED, key, "OrgnlMsgInf/MsgId", reason)
    if mandate.status == MandateStatus.CANCEL_REQUESTED and mandate.reference is None:
        umrn = response.reference if response.accepted else None
        cancellation.registration_answered(session, tenant_id, mandate, umrn, ACTOR, now)
        return None
    if mandate.status != MandateStatus.SUBMITTED:
        reason = f"mandate is {mandate.status}"
        return Outcome(number, RecordOutcome.DUPLICATE, mandate.request_id, None, reason)
    _decide(session, tenant_id, mandate, response)
    return None


def _decide(session: Session, tenant_id: int, mandate: Mandate, response: MandateResponse) -> None:
    if response.accepted:
        mandates.register(session, tenant_id, mandate.id, response.reference, ACTOR)
    else:
        code = response.reject_code or "UNKNOWN"
        text = response.reject_description or "rejected by the bank"
        mandates.reject(session, tenant_id, mandate.id, code, text, ACTOR)


class MandateResponseHandler(InboxHandler):
    """Inbox handler for (``nach_sponsor_bank``, ``emandate_response``)."""

    def parse(self, session: Session, ctx: ItemContext, data: bytes):
        parsed = parse_emandate(data, source=ctx.filename or ctx.source)
        if not parsed.ok:
            return rejected_result("; ".join(str(e) for e in parsed.errors[:5]))
        return [r for r in parsed.records if isinstance(r, MandateResponse)]

    def apply(self, session: Session, ctx: ItemContext, parsed) -> HandlerResult:
        # why: the wall clock only stamps answered_at / alerts; dates come from the tenant
        return apply_responses(session, ctx.tenant_id, parsed, datetime.now(UTC))


HANDLERS.register(COUNTERPART_KIND, DOCUMENT_KIND, MandateResponseHandler())
