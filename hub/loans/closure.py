"""What happens when a loan closes: the no-dues certificate and the events announcing it.

:func:`on_closed` runs in the transaction that closes the loan (the last installment
paid, a foreclosure, a settlement; :mod:`hub.loans.resync` calls it when it closes
a loan). It stores the certificate (PDF bytes + SHA-256 in ``loan_document``) and adds
to the outbox, in the same transaction:

``loan.closed`` (to counterpart ``loan_events``), for mandate cancellation::

    {"type": "loan.closed", "tenant_id": 1, "loan_id": 42, "loan_number": "LN01000000042",
     "closed_on": "2024-03-15", "closure": "repaid" | "foreclosed" | "settled",
     "currency": "INR", "refundable_advance": "12.00",
     "noc": {"document_id": 7, "sha256": "..."}, "action": "cancel_mandates"}

   Our own mandates are not left to this message: the in-process event
   ``hub.platform.events.Event.LOAN_CLOSED`` is published in the same transaction and the
   collections registry cancels the loan's live NACH / UPI AutoPay mandates
   (``hub.collections.mandates.cancel_for_closed_loan``). ``message_key``
   ``loan.closed:<loan>:<document>`` is an external receiver's idempotency key.

``loan.closed.partner_notice``, one per co-lender owning a share of the loan (an exposure
owner other than the own book on the loan's LOAN_PRINCIPAL postings), to the counterpart
whose code is the owner's code, else to ``loan_events``::

    {"type": "loan.closed.partner_notice", "loan_id": 42, "loan_number": "...",
     "partner": "BANKX", "partner_principal": "80000.00", "closed_on": "2024-03-15",
     "closure": "foreclosed"}

If the tenant has no ``loan_events`` counterpart yet, one is created *disabled* (kind
``internal``): messages wait there, undelivered but not lost, until an operator points it
at a connector and enables it, or an in-process consumer reads them.

:func:`on_reopened` (a payment that closed the loan was reversed) voids the certificate.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from hub.integration.outbox.service import DeliveryChannel, enqueue
from hub.loans.noc import NocContent, certificate
from hub.platform.events import Event, publish
from lms_core.loans.status import LoanStatus
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.integration.models import Counterpart
from lms_core.persistence.loans import lifecycle_repository
from lms_core.persistence.loans.lifecycle_models import LoanDocument
from lms_core.persistence.loans.models import Loan
from lms_core.persistence.platform import tenant_repository

EVENTS_COUNTERPART = "loan_events"
NOC = "noc"


def events_counterpart(session: Session, tenant_id: int) -> Counterpart:
    """Return the tenant's ``loan_events`` counterpart, creating it disabled if missing."""
    found = counterpart_repository.by_code(session, tenant_id, EVENTS_COUNTERPART)
    if found is not None:
        return found
    row = counterpart_repository.create(
        session, tenant_id, EVENTS_COUNTERPART, "internal", "http_post", {}, None, enabled=False
    )
    row.disabled_reason = "held: configure a connector for loan life-cycle events, then enable"
    return row


def _content(session: Session, loan: Loan, today: date, closure: str) -> NocContent:
    tenant = tenant_repository.by_id(session, loan.tenant_id)
    parties = lifecycle_repository.parties_of(session, loan.id)
    collateral = lifecycle_repository.collateral_of(session, loan.id)
    return NocContent(
        lender=tenant.name,
        loan_number=loan.loan_number,
        borrowers=tuple(p.name for p in parties if p.role in ("borrower", "co_borrower")),
        currency=loan.currency,
        principal=f"{loan.principal:.2f}",
        disbursed_on=loan.disbursed_on,
        closed_on=today,
        closure=closure,
        collateral=tuple(f"{c.kind}: {c.reference}" for c in collateral),
        refundable_advance=f"{loan.advance:.2f}",
    )


def _closure_kind(session: Session, loan: Loan, today: date) -> str:
    if loan.status == LoanStatus.SETTLED:
        return "settled"
    changes = lifecycle_repository.changes(session, loan.id)
    last = changes[-1] if changes else None
    if last is not None and last.kind == "foreclosure" and last.business_date == today:
        return "foreclosed"
    return "repaid"


def on_closed(session: Session, loan: Loan, today: date) -> LoanDocument:
    """Issue the loan's certificate and enqueue the closure events; return the document."""
    closure = _closure_kind(session, loan, today)
    pdf, sha = certificate(_content(session, loan, today, closure))
    document = lifecycle_repository.add_document(
        session,
        LoanDocument(
            tenant_id=loan.tenant_id,
            branch_id=loan.branch_id,
            loan_id=loan.id,
            kind=NOC,
            business_date=today,
            file_name=f"noc-{loan.loan_number}.pdf",
            content_type="application/pdf",
            sha256=sha,
            size=len(pdf),
            data=pdf,
        ),
    )
    _announce(session, loan, today, closure, document)
    # our own consequences (e.g. live mandates cancelled) commit with the closure itself
    publish(
        session, Event.LOAN_CLOSED, tenant_id=loan.tenant_id, loan_id=loan.id,
        closed_on=today, closure=closure,
    )  # fmt: skip
    return document


def _announce(
    session: Session, loan: Loan, today: date, closure: str, document: LoanDocument
) -> None:
    now = datetime.now(UTC)  # times the delivery only; business dates come from the tenant
    events = events_counterpart(session, loan.tenant_id)
    refs = {"loan": str(loan.id)}
    body = {
        "type": "loan.closed",
        "tenant_id": loan.tenant_id,
        "loan_id": loan.id,
        "loan_number": loan.loan_number,
        "closed_on": today.isoformat(),
        "closure": closure,
        "currency": loan.currency,
        "refundable_advance": f"{loan.advance:.2f}",
        "noc": {"document_id": document.id, "sha256": document.sha256},
        "action": "cancel_mandates",
    }
    enqueue(
        session, events, event_type="loan.closed", body=body, channel=DeliveryChannel.WEBHOOK,
        now=now, message_key=f"loan.closed:{loan.id}:{document.id}", refs=refs,
    )  # fmt: skip
    shares = lifecycle_repository.partner_shares(session, loan.tenant_id, loan.id)
    for partner, share in shares.items():
        target = counterpart_repository.by_code(session, loan.tenant_id, partner) or events
        notice = {
            "type": "loan.closed.partner_notice",
            "loan_id": loan.id,
            "loan_number": loan.loan_number,
            "partner": partner,
            "partner_principal": f"{share:.2f}",
            "closed_on": today.isoformat(),
            "closure": closure,
        }
        enqueue(
            session, target, event_type="loan.closed.partner_notice", body=notice,
            channel=DeliveryChannel.WEBHOOK, now=now,
            message_key=f"loan.closed.partner_notice:{loan.id}:{document.id}:{partner}",
            refs={**refs, "partner": partner},
        )  # fmt: skip


def on_reopened(session: Session, loan: Loan) -> int:
    """Void the certificates of a loan that is open again; return how many."""
    return lifecycle_repository.void_documents(session, loan.id, NOC)
