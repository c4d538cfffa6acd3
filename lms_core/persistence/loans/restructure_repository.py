"""SQL a restructured loan's classification and a replay's clean-up read.

* the loan's latest restructure (its ``loan_change`` row: the specified period and the
  policy it was done under);
* each principal / interest due with the payments that settled it, by value date (the
  history that tells whether the account stayed out of default);
* what the current allocations hold on given dues.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms_core.loans.loan_day import DueKey
from lms_core.loans.restructure_rules import SettledDue
from lms_core.persistence.loans.lifecycle_models import LoanChange
from lms_core.persistence.loans.loan_repository import due_key
from lms_core.persistence.loans.models import Allocation, LoanDue, Repayment

OVERDUE_COMPONENTS = ("principal", "interest")


def last_restructure(session: Session, loan_id: int) -> LoanChange | None:
    """Return the loan's latest restructure (None when it was never restructured)."""
    return session.scalar(
        select(LoanChange)
        .where(LoanChange.loan_id == loan_id, LoanChange.kind == "restructure")
        .order_by(LoanChange.id.desc())
        .limit(1)
    )


def settled_dues(
    session: Session, loan_id: int, due_from: date, before: date
) -> dict[DueKey, SettledDue]:
    """Return the principal / interest dues falling due from ``due_from``, each with the
    allocations settling it that are dated before ``before``."""
    dues = list(
        session.scalars(
            select(LoanDue).where(
                LoanDue.loan_id == loan_id,
                LoanDue.due_date >= due_from,
                LoanDue.component.in_(OVERDUE_COMPONENTS),
            )
        )
    )
    payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    rows = session.execute(
        select(Allocation.due_id, Allocation.value_date, Allocation.amount)
        .join(Repayment, Repayment.id == Allocation.repayment_id)
        .where(Repayment.loan_id == loan_id, Allocation.value_date < before)
    )
    for due_id, value_date, amount in rows:
        payments[due_id].append((value_date, amount))
    return {
        due_key(d): SettledDue(d.due_date, d.amount, d.waived, tuple(payments.get(d.id, ())))
        for d in dues
    }


def allocated(session: Session, due_ids: Sequence[int]) -> dict[int, Decimal]:
    """Return what the current allocations hold on each of ``due_ids`` (absent: none)."""
    if not due_ids:
        return {}
    rows = session.execute(
        select(Allocation.due_id, func.sum(Allocation.amount))
        .where(Allocation.due_id.in_(list(due_ids)))
        .group_by(Allocation.due_id)
    )
    return dict(rows.all())
