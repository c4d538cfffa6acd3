"""A loan's life cycle, as data: its statuses and which event moves it from where to where.

::

    pending --disburse--> active --repaid--> closed --reopened--> active
                           |--write_off--> written_off
                           \\--settle--> settled

``repaid`` covers every way the books reach zero (the last installment, a part-payment
that clears it, a foreclosure); ``reopened`` is a reversal that brings a balance back
(a bounced final payment). A written-off loan keeps its status while recoveries come
in; a one-time settlement (terms agreed on an active loan) ends it as ``settled``.
"""

from __future__ import annotations

from enum import StrEnum


class LoanStatus(StrEnum):
    PENDING = "pending"  # booked, not yet disbursed
    ACTIVE = "active"
    CLOSED = "closed"  # repaid in full (incl. foreclosure)
    WRITTEN_OFF = "written_off"
    SETTLED = "settled"  # closed by a one-time settlement, the rest waived


class LoanAction(StrEnum):
    DISBURSE = "disburse"
    REPAID = "repaid"
    REOPENED = "reopened"
    WRITE_OFF = "write_off"
    SETTLE = "settle"


S = LoanStatus

TRANSITIONS: dict[LoanAction, tuple[frozenset[LoanStatus], LoanStatus]] = {
    LoanAction.DISBURSE: (frozenset({S.PENDING}), S.ACTIVE),
    LoanAction.REPAID: (frozenset({S.ACTIVE}), S.CLOSED),
    LoanAction.REOPENED: (frozenset({S.CLOSED}), S.ACTIVE),
    LoanAction.WRITE_OFF: (frozenset({S.ACTIVE}), S.WRITTEN_OFF),
    LoanAction.SETTLE: (frozenset({S.ACTIVE}), S.SETTLED),
}

#: statuses in which the loan is finished (no dues raised, no end-of-day)
ENDED = frozenset({S.CLOSED, S.WRITTEN_OFF, S.SETTLED})


def next_status(current: str, event: LoanAction) -> LoanStatus | None:
    """Return the status ``event`` moves a loan in ``current`` to; None if not allowed."""
    allowed, target = TRANSITIONS[event]
    return target if current in allowed else None


def allowed_from(event: LoanAction) -> frozenset[LoanStatus]:
    """Return the statuses from which ``event`` may happen."""
    return TRANSITIONS[event][0]
