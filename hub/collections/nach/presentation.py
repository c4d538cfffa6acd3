"""ACH debit presentation: the dues of a business date become one file for the sponsor bank.

:func:`present_dues` selects, for the business date:

* **fresh debits**: loans with an installment due on that date, an unpaid part, and a
  NACH mandate usable that day; the amount is the unpaid part (before end-of-day has
  raised the day's dues: the scheduled installment less any advance held), capped at
  the mandate's amount;
* **re-presentations**: returned items whose policy date has come (their loan's dues of
  that date still unpaid, the mandate still usable), as the next attempt.

Each becomes a ``nach_presentation_item`` whose ``reference`` (``NACH`` + its id, the
ACH transaction reference) ties the bank's answer to loan, due and mandate; the file
(306-character records, header totals and checksum per the bank's settings) goes to the
outbox for SFTP delivery (retried there) under a message key that makes a retry of this
call harmless; each item is also recorded as an *expected* credit for reconciliation
(source ``nach``, posting ref ``nach:<reference>``). After the bank's cut-off the file
rolls to the next settlement date (or is refused, ``roll=False``). Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from formats.nach.ach import AchDetail, AchHeader, write_ach
from hub.collections.mandates import NACH_KINDS, AccountCipher
from hub.collections.nach.bank_settings import NachBankSettings, load
from hub.integration.outbox.service import DeliveryChannel, enqueue
from hub.recon.expected import record_expected
from lms_core.collections.enums import ItemStatus, PresentationStatus
from lms_core.money import to_paise
from lms_core.persistence.collections import mandate_repository, nach_repository
from lms_core.persistence.collections.models import Mandate, Presentation, PresentationItem

EVENT_TYPE = "nach.ach_presentation"


@dataclass(frozen=True)
class Candidate:
    loan_id: int
    mandate: Mandate
    due_date: date
    amount: Decimal
    attempt: int
    previous: PresentationItem | None = None


@dataclass(frozen=True)
class PresentationResult:
    presentation: Presentation | None
    items: int
    total: Decimal
    settlement_date: date
    skipped: tuple[str, ...] = ()


def reference_of(item_id: int) -> str:
    """The ACH transaction reference of item ``item_id`` (unique per tenant, <= 30 chars)."""
    return f"NACH{item_id:012d}"


def _cap(amount: Decimal, mandate: Mandate) -> Decimal:
    return min(amount, mandate.amount)


def fresh_candidates(session: Session, tenant_id: int, day: date) -> list[Candidate]:
    """Return the first presentations of the installments due on ``day``."""
    loan_ids = mandate_repository.registered_loan_ids(session, tenant_id, day, NACH_KINDS)
    unpaid = nach_repository.scheduled_installments(session, loan_ids, day)
    unpaid |= nach_repository.outstanding_installments(session, loan_ids, day)  # raised dues win
    done = nach_repository.presented_loans(session, tenant_id, day, attempt=1)
    todo = sorted({i for i, amount in unpaid.items() if amount > 0} - done)
    active = mandate_repository.active_for_loans(session, tenant_id, todo, day, NACH_KINDS)
    return [Candidate(i, active[i], day, _cap(unpaid[i], active[i]), 1) for i in todo]


def represent_candidates(
    session: Session, tenant_id: int, day: date
) -> tuple[list[Candidate], list[str]]:
    """Return the re-presentations due by ``day`` and why others were dropped."""
    returned = nach_repository.awaiting_representation(session, tenant_id, day, lock=True)
    loans = sorted({i.loan_id for i in returned})
    active = mandate_repository.active_for_loans(session, tenant_id, loans, day, NACH_KINDS)
    found, skipped = [], []
    for item in returned:
        unpaid = nach_repository.outstanding_installments(session, [item.loan_id], item.due_date)
        mandate, amount = active.get(item.loan_id), unpaid.get(item.loan_id)
        if mandate is None or not amount:
            why = "no usable mandate" if mandate is None else "due already paid"
            skipped.append(f"{item.reference}: not re-presented ({why})")
            item.represent_on = None  # why: nothing left to re-present; leaves the queue
            continue
        found.append(
            Candidate(
                item.loan_id, mandate, item.due_date, _cap(amount, mandate), item.attempt + 1, item
            )
        )
    return found, skipped


def _detail(c: Candidate, reference: str, seq: int, bank: NachBankSettings, cipher) -> AchDetail:
    m = c.mandate
    return AchDetail(
        destination_account_type="10" if m.account_type == "SAVINGS" else "11",
        beneficiary_name=m.debtor_name,
        user_name_narration=bank.user_name,
        amount_paise=to_paise(c.amount),
        ach_item_sequence_number=seq,
        destination_bank_ifsc=m.debtor_ifsc or "",
        beneficiary_account_number=cipher.open(m.debtor_account_token),
        sponsor_bank_ifsc=bank.sponsor_ifsc,
        user_number=bank.utility_code,
        transaction_reference=reference,
        umrn=m.reference or "",
    )


def present_dues(
    session: Session,
    cipher: AccountCipher,
    tenant_id: int,
    bank_code: str,
    business_date: date,
    now: datetime,
    *,
    roll: bool = True,
) -> PresentationResult:
    """Build, record and queue the ACH debit file of ``business_date``; return it.

    Returns a result without a presentation when nothing is due (or all was presented).
    Raises NotFound (no such bank), Conflict (after the cut-off with ``roll=False``).
    """
    counterpart, bank = load(session, tenant_id, bank_code)
    settlement = bank.settlement_date(business_date, now, roll=roll)
    fresh = fresh_candidates(session, tenant_id, business_date)
    again, skipped = represent_candidates(session, tenant_id, business_date)
    candidates = fresh + again
    if not candidates:
        return PresentationResult(None, 0, Decimal("0.00"), settlement, tuple(skipped))
    (file_id,) = nach_repository.next_ids(session, "nach_presentation", 1)
    item_ids = nach_repository.next_ids(session, "nach_presentation_item", len(candidates))
    file_number = f"{file_id:09d}"
    details, rows = [], []
    for seq, (item_id, c) in enumerate(zip(item_ids, candidates, strict=True), 1):
        reference = reference_of(item_id)
        details.append(_detail(c, reference, seq, bank, cipher))
        rows.append(_item_row(tenant_id, file_id, item_id, reference, seq, c))
        if c.previous is not None:
            c.previous.next_item_id = item_id
    header = AchHeader(
        user_name=bank.user_name,
        settlement_date=settlement,
        user_number=bank.utility_code,
        sponsor_bank_ifsc=bank.sponsor_ifsc,
        user_bank_account_number=bank.account_number,
        ach_file_number=file_number,
        settlement_cycle=bank.settlement_cycle,
        user_reference=f"SGM{file_number}",
    )
    data = write_ach(header, details, options=bank.options)
    total = sum((c.amount for c in candidates), Decimal("0.00"))
    filename = f"ACH-DR-{bank.utility_code}-{settlement:%Y%m%d}-{file_number}.txt"
    message_id = enqueue(
        session,
        counterpart,
        event_type=EVENT_TYPE,
        body=data,
        channel=DeliveryChannel.SFTP,
        now=now,
        target=filename,
        message_key=f"nach-ach:{file_number}",
        content_type="text/plain",
        refs={"presentation": file_number},
    )
    presentation = nach_repository.add_presentation(
        session,
        Presentation(
            id=file_id,
            tenant_id=tenant_id,
            counterpart=bank_code,
            settlement_date=settlement,
            file_number=file_number,
            filename=filename,
            item_count=len(candidates),
            total_amount=total,
            status=str(PresentationStatus.QUEUED),
            outbound_message_id=message_id,
        ),
    )
    nach_repository.insert_items(session, rows)
    for row in rows:
        _expect(session, tenant_id, row, settlement, bank)
    return PresentationResult(presentation, len(candidates), total, settlement, tuple(skipped))


def _item_row(
    tenant_id: int, file_id: int, item_id: int, reference: str, seq: int, c: Candidate
) -> dict:
    return {
        "id": item_id,
        "tenant_id": tenant_id,
        "presentation_id": file_id,
        "loan_id": c.loan_id,
        "mandate_id": c.mandate.id,
        "reference": reference,
        "sequence_number": seq,
        "due_date": c.due_date,
        "attempt": c.attempt,
        "amount": c.amount,
        "status": str(ItemStatus.PRESENTED),
    }


def _expect(session: Session, tenant_id: int, row: dict, settlement: date, bank) -> None:
    record_expected(
        session,
        tenant_id,
        source="nach",
        reference=row["reference"],
        amount=row["amount"],
        direction="credit",
        expected_on=settlement,
        loan_id=row["loan_id"],
        counterparty=bank.code,
        posting_ref=f"nach:{row['reference']}",
    )
