"""Moving a loan along its life cycle (:mod:`lms_core.loans.status`), refused when the table
does not allow the move from where it is."""

from __future__ import annotations

from hub.loans.errors import LoanWrongStatus
from lms_core.loans.status import LoanAction, LoanStatus, allowed_from, next_status
from lms_core.persistence.loans.models import Loan


def move(loan: Loan, event: LoanAction) -> LoanStatus:
    """Set ``loan.status`` to where ``event`` takes it; return it.

    Raises :class:`LoanWrongStatus` (409, ``loan.not_<status>``) when not allowed.
    """
    target = next_status(loan.status, event)
    if target is None:
        allowed = tuple(sorted(str(s) for s in allowed_from(event)))
        raise LoanWrongStatus(loan.loan_number, loan.status, allowed)
    loan.status = target
    return target
