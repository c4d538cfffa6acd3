"""The bounce charge of a returned NACH debit: a fee due on the loan, with its journal.

A returned debit never credited the loan, so nothing is reversed: the product's
``bounce_fee`` is charged through :func:`hub.loans.repayments.charge_bounce`, the one
path of every bounce fee (a bounced cheque's reversal takes it too). The due is keyed
by the presentation item (:meth:`hub.loans.repayments.Returned.nach_item`), so it never
collides with a cheque bounce (keyed by repayment id) on the same loan. Never commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans.repayments import NACH_BOUNCE_BASE, Returned, charge_bounce
from hub.loans.resync import context, resync
from lms_core.persistence.loans import loan_repository

__all__ = ["NACH_BOUNCE_BASE", "levy_bounce_charge"]


def levy_bounce_charge(
    session: Session, tenant_id: int, loan_id: int, item_id: int, today: date, actor: str
) -> tuple[int | None, Decimal]:
    """Charge the loan's product bounce fee for item ``item_id``; return (due id, fee).

    Returns (None, 0) when the product charges no bounce fee.
    """
    loan = loan_repository.get_loan(session, tenant_id, loan_id, lock=True)
    ctx = context(session, loan)
    due = charge_bounce(session, tenant_id, ctx, Returned.nach_item(item_id), today, actor)
    if due is None:
        return None, Decimal("0")
    session.flush()
    if loan.advance > 0:  # why: money already held in advance settles the new fee at once
        resync(session, tenant_id, ctx, today, today, actor)
    return due.id, due.amount
