"""What a restructured loan's classification reads: its latest restructure, its history.

* the loan's latest restructure (its ``loan_change`` row: the specified period and the
  policy it was done under);
* each principal / interest due with the payments that settled it, by value date (the
  history that tells whether the account stayed out of default), built from the dues
  and allocations a resync has loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_core.loans.loan_day import DueKey
from lms_core.loans.restructure_rules import SettledDue
from lms_core.persistence.loans.lifecycle_models import LoanChange
from lms_core.persistence.loans.loan_repository import LoanAllocation, due_key
from lms_core.persistence.loans.models import LoanDue

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
    dues: Iterable[LoanDue], allocations: Iterable[LoanAllocation], due_from: date, before: date
) -> dict[DueKey, SettledDue]:
    """Return the principal / interest dues falling due from ``due_from``, each with the
    allocations settling it that are dated before ``before`` (no SQL: from the loan's
    stored dues and allocations)."""
    payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for a in allocations:
        if a.value_date < before:
            payments[a.due_id].append((a.value_date, a.amount))
    return {
        due_key(d): SettledDue(d.due_date, d.amount, d.waived, tuple(payments.get(d.id, ())))
        for d in dues
        if d.due_date >= due_from and d.component in OVERDUE_COMPONENTS
    }
