"""The bounce charge of a returned NACH debit: a fee due on the loan, with its journal.

A returned debit never credited the loan, so nothing is reversed: the product's
``bounce_fee`` is raised as a ``bounce`` due (filed apart from installments by the
waterfall) and booked FEES_RECEIVABLE / FEE_INCOME, exactly as
:func:`hub.loans.repayments.reverse_repayment` does for a bounced cheque. The due's
``installment`` key is :data:`NACH_BOUNCE_BASE` + the presentation item id, so it never
collides with a cheque bounce (keyed by repayment id) on the same loan. Never commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans.resync import context, resync
from lms_core.ledger import Journal, credit, debit
from lms_core.loans.loan_day import DueKind
from lms_core.money import Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import LoanDue

NACH_BOUNCE_BASE = 10**12


def levy_bounce_charge(
    session: Session, tenant_id: int, loan_id: int, item_id: int, today: date, actor: str
) -> tuple[int | None, Decimal]:
    """Charge the loan's product bounce fee for item ``item_id``; return (due id, fee).

    Returns (None, 0) when the product charges no bounce fee.
    """
    loan = loan_repository.get_loan(session, tenant_id, loan_id, lock=True)
    ctx = context(session, loan)
    fee = ctx.rules.bounce_fee
    if fee <= 0:
        return None, Decimal("0")
    due = LoanDue(
        loan_id=loan.id,
        kind=str(DueKind.BOUNCE),
        installment=NACH_BOUNCE_BASE + item_id,
        component="fee",
        due_date=today,
        amount=fee,
        paid=Decimal(0),
        waived=Decimal(0),
    )
    session.add(due)
    kw = {"currency": Currency(loan.currency), "loan_id": loan.id}
    journal = Journal(
        "bounce_fee",
        today,
        (debit("FEES_RECEIVABLE", fee, **kw), credit("FEE_INCOME", fee, **kw)),
        loan_id=loan.id,
        external_ref=f"nach-bounce:{item_id}",
    )
    ledger_repository.post(session, tenant_id, journal, actor)
    session.flush()
    if loan.advance > 0:  # why: money already held in advance settles the new fee at once
        resync(session, tenant_id, ctx, today, today, actor)
    return due.id, fee
