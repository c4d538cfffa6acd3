"""ACH response: the sponsor bank's answer to a presentation, applied item by item.

The file arrives through the inbox (SFTP pickup of the bank's outbox; document kind
``ach_response``), so a file delivered twice is recorded once and never applied twice.
:class:`AchResponseHandler` then:

1. **parses** it with the bank's ACH options (malformed records become errors naming the
   line and field; they are quarantined, the others go on);
2. **checks the control totals first**: the header's item count and total must equal the
   detail records of the file (a malformed record counts with its amount when that is
   readable; when an amount is unreadable the header total may only exceed the rest).
   A file that disagrees is rejected whole with the reason and nothing is applied;
3. **applies** each record, in its own savepoint:

   * not one of our presentation items, an unknown UMRN, a UMRN or amount that differs
     from what we presented: quarantined with the reason;
   * an item answered before: duplicate (nothing done);
   * ``1`` success: posted through the servicing bulk path
     (:func:`hub.loans.bulk_repayments.post_repayments`) with ``external_ref
     nach:<reference>`` (idempotent; the statement may post the same collection), value
     date the settlement date;
   * ``0`` / ``2`` returned: the reason code is kept, the product's bounce fee charged
     (unless the code is the bank's own error), the expected credit withdrawn,
     re-presentation scheduled by the bank's policy or, on a dead-mandate code, the
     mandate marked dead; collections are told (``collections.bounce``);
   * ``3`` pending: noted, nothing posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from formats.base import RecordError
from formats.nach.ach import AchDetail, AchHeader, AchStream
from formats.nach.reasons import ResponseFlag
from hub.collections import mandates
from hub.collections.charges import levy_bounce_charge
from hub.collections.nach.bank_settings import COUNTERPART_KIND, NachBankSettings, chargeable, load
from hub.collections.notify import notify_bounce
from hub.integration.inbox.handlers import (
    HANDLERS,
    HandlerResult,
    InboxHandler,
    ItemContext,
    Outcome,
)
from hub.loans.bulk_repayments import PaymentRecord, post_repayments
from hub.loans.bulk_repayments import Result as BulkResult_
from hub.loans.repayments import Channel
from hub.platform.errors import SangamError
from hub.recon.expected import cancel_expected
from lms_core.collections.enums import ItemStatus, MandateStatus, PresentationStatus
from lms_core.integration.enums import RecordOutcome
from lms_core.money import from_paise
from lms_core.persistence.collections import mandate_repository, nach_repository
from lms_core.persistence.collections.models import PresentationItem
from lms_core.persistence.platform import tenant_repository

DOCUMENT_KIND = "ach_response"
ACTOR = "nach-response"
Q, DUP = RecordOutcome.QUARANTINED, RecordOutcome.DUPLICATE
FINAL = frozenset({ItemStatus.COLLECTED, ItemStatus.RETURNED})


@dataclass
class ParsedResponse:
    """A response file after parsing: header, good records, errors, line numbers."""

    bank: NachBankSettings
    header: AchHeader | None
    records: list[AchDetail]
    errors: list[RecordError]
    lines: dict[int, int]  # item sequence number -> line
    malformed_paise: int = 0
    malformed_unreadable: int = 0
    malformed_details: int = 0


def parse_response(data: bytes, source: str, bank: NachBankSettings) -> ParsedResponse:
    """Return the parsed file; record problems are values, never raised."""
    lines = data.decode("latin-1").split("\n")
    stream = AchStream(lines, source=source, options=bank.options)
    records = list(stream)
    code = bank.options.detail_transaction_code
    seq_lines = {}
    for number, line in enumerate(lines, 1):
        if line[:2] == code and line[133:143].isdigit():
            seq_lines.setdefault(int(line[133:143]), number)
    parsed = ParsedResponse(bank, stream.header, records, stream.errors, seq_lines)
    for error in stream.errors:
        if error.line and error.raw and error.raw[:2] == code:
            parsed.malformed_details += 1
            amount = error.raw[120:133]
            if amount.isascii() and amount.isdigit() and len(amount) == 13:
                parsed.malformed_paise += int(amount)
            else:
                parsed.malformed_unreadable += 1
    return parsed


def control_problem(parsed: ParsedResponse) -> str | None:
    """Return why the file's control totals fail, or None when they hold."""
    header = parsed.header
    if header is None:
        found = [str(e) for e in parsed.errors if e.line <= 1]
        return "; ".join(found) or "no header record"
    count = len(parsed.records) + parsed.malformed_details
    if header.total_items != count:
        return f"header total_items {header.total_items} != {count} detail records"
    paise = sum(r.amount_paise for r in parsed.records) + parsed.malformed_paise
    expected = int(header.total_amount * 100)
    if expected != paise and not (parsed.malformed_unreadable and expected > paise):
        return f"header total_amount {header.total_amount} != details {from_paise(paise)}"
    options = parsed.bank.options
    checksum_known = options.verify_checksum and not parsed.malformed_details
    if checksum_known and header.checksum != options.file_checksum(parsed.records):
        return f"header checksum {header.checksum} does not match the details"
    return None


@dataclass
class _Tally:
    applied: int = 0
    duplicates: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def quarantine(self, line: int, key: str | None, fld: str, reason: str) -> None:
        self.outcomes.append(Outcome(line, Q, key, fld, reason))

    def result(self) -> HandlerResult:
        quarantined = sum(1 for o in self.outcomes if o.outcome is Q)
        return HandlerResult(self.applied, self.duplicates, quarantined, tuple(self.outcomes))


def apply_response(
    session: Session, tenant_id: int, parsed: ParsedResponse, *, inbox_item_id: int | None = None
) -> HandlerResult:
    """Apply every good record of a checked response file; return the outcomes."""
    today = tenant_repository.business_date(session, tenant_id)
    tally = _Tally()
    for error in parsed.errors:
        if error.line > 1:
            tally.quarantine(error.line, None, error.field, error.message)
    refs = [r.transaction_reference for r in parsed.records]
    items = nach_repository.items_by_reference(session, tenant_id, refs, lock=True)
    known = mandate_repository.by_references(session, tenant_id, [r.umrn for r in parsed.records])
    mandate_refs = _mandate_refs(session, tenant_id, items.values())
    touched: set[int] = set()
    successes: list[tuple[int, PresentationItem]] = []
    for record in parsed.records:
        line = parsed.lines.get(record.ach_item_sequence_number, 0)
        item = items.get(record.transaction_reference)
        problem = _mismatch(record, item, known, mandate_refs)
        if problem:
            tally.quarantine(line, record.transaction_reference, *problem)
        elif item.status in FINAL:
            tally.duplicates += 1
            tally.outcomes.append(
                Outcome(line, DUP, item.reference, None, f"already {item.status}")
            )
        elif record.flag is ResponseFlag.SUCCESS:
            successes.append((line, item))
            touched.add(item.presentation_id)
        else:
            _apply_one(session, tenant_id, item, record, today, line, tally)
            touched.add(item.presentation_id)
    _post_successes(session, tenant_id, successes, today, tally)
    _close_presentations(session, touched, inbox_item_id)
    return tally.result()


def _post_successes(session, tenant_id: int, successes, today: date, tally: _Tally) -> None:
    """Post every successful debit through the bulk repayment path, then mark the items."""
    if not successes:
        return
    settle = nach_repository.presentations_by_ids(
        session, sorted({item.presentation_id for _, item in successes})
    )
    records = [
        PaymentRecord(
            record=line,
            amount=item.amount,
            external_ref=f"nach:{item.reference}",
            loan_id=item.loan_id,
            channel=str(Channel.NACH),
            reference=item.reference,
            value_date=min(settle[item.presentation_id].settlement_date, today),
        )
        for line, item in successes
    ]
    result = post_repayments(session, tenant_id, records, ACTOR)
    collected = []
    for (line, item), outcome in zip(successes, result.outcomes, strict=True):
        if outcome.result is BulkResult_.REJECTED:
            tally.quarantine(line, item.reference, outcome.field or "record", outcome.reason or "")
            continue
        tally.applied += 1
        collected.append({"id": item.id, "repayment_id": outcome.repayment_id})
    nach_repository.mark_collected(session, collected, today)


def _mandate_refs(session, tenant_id, items) -> dict[int, str | None]:
    return mandate_repository.references_of(
        session, tenant_id, sorted({i.mandate_id for i in items})
    )


def _mismatch(record, item, known, mandate_refs) -> tuple[str, str] | None:
    if item is None:
        return "transaction_reference", f"{record.transaction_reference!r} was not presented by us"
    if record.umrn not in known:
        return "umrn", f"unknown UMRN {record.umrn!r}"
    if mandate_refs[item.mandate_id] != record.umrn:
        return "umrn", f"UMRN {record.umrn} is not the presented mandate's"
    if record.amount != item.amount:
        return "amount_paise", f"amount {record.amount} differs from presented {item.amount}"
    return None


def _apply_one(session, tenant_id, item, record, today, line, tally) -> None:
    try:
        with session.begin_nested():
            if record.flag in (ResponseFlag.RETURNED, ResponseFlag.INITIAL_REJECT):
                _returned(session, tenant_id, item, record, today)
            else:
                item.status = str(ItemStatus.PENDING)
        tally.applied += 1
    except SangamError as exc:  # why: one loan's refusal must not stop the file
        session.expire(item)
        tally.quarantine(line, item.reference, "record", exc.detail)


def _returned(session, tenant_id: int, item: PresentationItem, record: AchDetail, today) -> None:
    bank = load(session, tenant_id, _bank_of(session, item))[1]
    reason = record.reason
    item.status, item.reason_code, item.responded_on = (
        str(ItemStatus.RETURNED),
        record.reason_code,
        today,
    )
    if chargeable(record.reason_code):
        item.bounce_due_id = levy_bounce_charge(
            session, tenant_id, item.loan_id, item.id, today, ACTOR
        )[0]
    item.represent_on = bank.policy.next_date(item.attempt, today, reason)
    dead = bool(reason and reason.mandate_dead)
    if dead:
        _kill_mandate(session, tenant_id, item.mandate_id, record)
    _withdraw_expected(session, tenant_id, item.reference)
    notify_bounce(session, tenant_id, bank, item, record, dead=dead)


def _bank_of(session: Session, item: PresentationItem) -> str:
    return nach_repository.presentation(session, item.tenant_id, item.presentation_id).counterpart


def _kill_mandate(session, tenant_id: int, mandate_id: int, record: AchDetail) -> None:
    mandate = mandates.get(session, tenant_id, mandate_id)
    if mandate.status in (MandateStatus.REGISTERED, MandateStatus.PAUSED):
        text = record.reason.description if record.reason else "returned"
        mandates.mark_dead(session, tenant_id, mandate_id, record.reason_code, text, ACTOR)


def _withdraw_expected(session: Session, tenant_id: int, reference: str) -> None:
    # why: absent or already matched: reconciliation shows it, not ours to force
    with suppress(SangamError):
        cancel_expected(session, tenant_id, source="nach", reference=reference)


def _close_presentations(session: Session, ids: set[int], inbox_item_id: int | None) -> None:
    for presentation in nach_repository.presentations_by_ids(session, sorted(ids)).values():
        presentation.status = str(PresentationStatus.RESPONDED)
        presentation.response_item_id = inbox_item_id or presentation.response_item_id


class AchResponseHandler(InboxHandler):
    """Inbox handler for (``nach_sponsor_bank``, ``ach_response``)."""

    def parse(self, session: Session, ctx: ItemContext, data: bytes) -> Any:
        bank = load(session, ctx.tenant_id, ctx.source)[1]
        return parse_response(data, ctx.filename or ctx.source, bank)

    def check_totals(self, ctx: ItemContext, parsed: ParsedResponse) -> str | None:
        return control_problem(parsed)

    def apply(self, session: Session, ctx: ItemContext, parsed: ParsedResponse) -> HandlerResult:
        return apply_response(session, ctx.tenant_id, parsed, inbox_item_id=ctx.item_id)


def register_handlers(kinds: Sequence[str] = (COUNTERPART_KIND,)) -> None:
    for kind in kinds:
        HANDLERS.register(kind, DOCUMENT_KIND, AchResponseHandler())


register_handlers()
