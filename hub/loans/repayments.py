"""Repayments: post (any channel, any value date up to today), reverse (e.g. a NACH bounce).

Both end in :func:`hub.loans.resync.resync` from the payment's value date, so a
back-dated payment settles what was due on its value date and every later payment is
re-allocated after it; a reversal un-settles and re-allocates likewise. One database
transaction per call, with the loan row locked: two payments to one loan serialise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from hub.loans.day_close import catch_up
from hub.loans.resync import LoanContext, context, resync
from hub.loans.status import move
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from lms_core.ledger import servicing as journals
from lms_core.loans.loan_day import DueKind
from lms_core.loans.status import LoanAction, LoanStatus
from lms_core.money import Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import LoanDue, Repayment
from lms_core.persistence.platform import tenant_repository


class Channel(StrEnum):
    CASH = "cash"
    CHEQUE = "cheque"
    NACH = "nach"
    UPI = "upi"
    NEFT = "neft"
    RTGS = "rtgs"
    IMPS = "imps"
    CARD = "card"
    WALLET = "wallet"


@dataclass(frozen=True)
class RepaymentIn:
    amount: Decimal
    currency: str = "INR"
    channel: Channel = Channel.NEFT
    value_date: date | None = None
    reference: str | None = None
    external_ref: str | None = None


def _check(loan, body: RepaymentIn, value_date: date, today: date) -> None:
    problems = []
    if body.amount <= 0:
        problems.append(FieldProblem("amount", f"must be positive, got {body.amount}"))
    if body.currency != loan.currency:
        problems.append(
            FieldProblem("currency", f"{body.currency} differs from the loan's {loan.currency}")
        )
    if value_date > today:
        problems.append(
            FieldProblem("value_date", f"{value_date} is after the business date {today}")
        )
    if loan.disbursed_on and value_date < loan.disbursed_on:
        problems.append(
            FieldProblem(
                "value_date", f"{value_date} is before the disbursement on {loan.disbursed_on}"
            )
        )
    if problems:
        raise Unprocessable("repayment refused", problems=problems)


def post_repayment(
    session: Session, tenant_id: int, loan_id: int, body: RepaymentIn, actor: str
) -> Repayment:
    """Post ``body`` to the loan; return the repayment (the stored one for a known reference)."""
    today = tenant_repository.business_date(session, tenant_id)
    loan = loan_repository.get_loan(session, tenant_id, loan_id, lock=True)
    if loan is None:
        raise NotFound(f"loan {loan_id} not found")
    if body.external_ref:
        existing = loan_repository.repayment_by_ref(session, tenant_id, body.external_ref)
        if existing is not None:
            if existing.loan_id != loan.id or existing.amount != body.amount:
                raise Conflict(
                    f"reference {body.external_ref!r} was used for another payment ({existing.id})"
                )
            return existing
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(f"loan {loan.loan_number} is {loan.status}: no payments accepted")
    value_date = body.value_date or today
    _check(loan, body, value_date, today)
    ctx = context(session, loan)
    catch_up(session, tenant_id, ctx, today, actor)
    rep = Repayment(
        tenant_id=tenant_id,
        branch_id=loan.branch_id,
        loan_id=loan.id,
        amount=body.amount,
        currency=body.currency,
        channel=str(body.channel),
        value_date=value_date,
        business_date=today,
        reference=body.reference,
        external_ref=body.external_ref,
    )
    session.add(rep)
    session.flush()
    resync(session, tenant_id, ctx, value_date, today, actor)
    return rep


def reverse_repayment(
    session: Session,
    tenant_id: int,
    repayment_id: int,
    reason: str,
    actor: str,
    *,
    bounce: bool = False,
) -> Repayment:
    """Reverse a posted repayment (and charge the product's bounce fee when ``bounce``)."""
    today = tenant_repository.business_date(session, tenant_id)
    rep = session.get(Repayment, repayment_id)
    if rep is None or rep.tenant_id != tenant_id:
        raise NotFound(f"repayment {repayment_id} not found")
    loan = loan_repository.get_loan(session, tenant_id, rep.loan_id, lock=True)
    session.refresh(rep)
    if rep.status != "posted":
        raise Conflict(f"repayment {repayment_id} is {rep.status}")
    ctx = context(session, loan)
    rep.status = "reversed"
    if rep.journal_id is not None:
        ledger_repository.reverse(session, tenant_id, rep.journal_id, today, reason, actor)
    loan_repository.delete_allocations(session, [rep.id])
    if loan.status == LoanStatus.CLOSED:
        move(loan, LoanAction.REOPENED)
    if bounce:
        charge_bounce(session, tenant_id, ctx, Returned.repayment(rep.id), today, actor)
    loan_repository.add_event(
        session, loan.id, today, "repayment_reversed", {"repayment": rep.id, "reason": reason}
    )
    session.flush()
    resync(session, tenant_id, ctx, rep.value_date, today, actor)
    return rep


NACH_BOUNCE_BASE = 10**12  # keys a NACH item's bounce apart from repayments' (ids stay below)


@dataclass(frozen=True)
class Returned:
    """A payment that came back, as its bounce fee is keyed.

    ``due_key`` is the ``bounce`` due's installment key (unique per loan: the fee is
    raised once), ``reference`` the fee journal's external reference (unique per
    tenant: the ledger posts it once). A reversed repayment and a returned NACH item
    keep the keys each has always had, so a return applied again finds its fee booked.
    """

    due_key: int
    reference: str

    @classmethod
    def repayment(cls, repayment_id: int) -> Returned:
        return cls(repayment_id, f"bounce:{repayment_id}")

    @classmethod
    def nach_item(cls, item_id: int) -> Returned:
        return cls(NACH_BOUNCE_BASE + item_id, f"nach-bounce:{item_id}")


def charge_bounce(
    session: Session,
    tenant_id: int,
    ctx: LoanContext,
    returned: Returned,
    today: date,
    actor: str,
) -> LoanDue | None:
    """Charge the product's bounce fee for ``returned``: a ``bounce`` due (filed apart from
    installments by the waterfall) and its journal. Return the due; None when the product
    charges no bounce fee.

    The one path of every bounce fee (a reversal with ``bounce``, a returned NACH debit).
    The caller replays the loan if the new due may be settled at once. Never commits.
    """
    loan, fee = ctx.loan, ctx.rules.bounce_fee
    if fee <= 0:
        return None
    due = LoanDue(
        loan_id=loan.id,
        kind=str(DueKind.BOUNCE),
        installment=returned.due_key,
        component="fee",
        due_date=today,
        amount=fee,
        paid=Decimal(0),
        waived=Decimal(0),
    )
    session.add(due)
    journal = journals.bounce_fee(loan.id, today, fee, Currency(loan.currency), returned.reference)
    ledger_repository.post(session, tenant_id, journal, actor)
    return due
