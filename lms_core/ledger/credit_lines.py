"""The ledger journals of a revolving credit line, as pure builders over the chart.

A line's journals carry no loan id: the line is named by the journal's ``external_ref``
(``cl:<line id>:...``) and its description (the line number), and by its own
sub-ledger. Each money movement is one balanced journal:

* drawdown: Dr LOAN_PRINCIPAL / Cr ESCROW_BANK (paid out to the borrower);
* repayment: Dr ESCROW_BANK / Cr FEES_RECEIVABLE, INTEREST_DUE, LOAN_PRINCIPAL;
* day-end accrual: Dr INTEREST_RECEIVABLE / Cr INTEREST_INCOME;
* billing (the day-end before the billing date): Dr INTEREST_DUE / Cr INTEREST_RECEIVABLE.

A builder returns None when every amount is zero (nothing to post).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms_core.ledger import Journal
from lms_core.ledger.chart import Account
from lms_core.ledger.lines import legs
from lms_core.money import ZERO, Currency

_A = Account


@dataclass(frozen=True, slots=True)
class Line:
    """The credit line a journal is for."""

    line_id: int
    line_number: str
    currency: Currency


def drawdown(line: Line, txn_id: int, day: date, amount: Decimal) -> Journal | None:
    """Return the payout of a drawdown of ``amount`` (transaction ``txn_id``)."""
    moves = ((_A.LOAN_PRINCIPAL, _A.ESCROW_BANK, amount),)
    return _journal(line, "credit_line_drawdown", day, moves, f"drawdown:{txn_id}")


def repayment(
    line: Line, txn_id: int, day: date, fees: Decimal, interest: Decimal, principal: Decimal
) -> Journal | None:
    """Return a repayment split into what it paid of fees, interest and principal."""
    moves = (
        (_A.ESCROW_BANK, _A.FEES_RECEIVABLE, fees),
        (_A.ESCROW_BANK, _A.INTEREST_DUE, interest),
        (_A.ESCROW_BANK, _A.LOAN_PRINCIPAL, principal),
    )
    return _journal(line, "credit_line_repayment", day, moves, f"repayment:{txn_id}")


def day_end(line: Line, day: date, accrued: Decimal, billed: Decimal = ZERO) -> Journal | None:
    """Return the day's accrual and, on the day before the billing date, the interest
    ``billed`` (the period's accrual moved to due)."""
    moves = (
        (_A.INTEREST_RECEIVABLE, _A.INTEREST_INCOME, accrued),
        (_A.INTEREST_DUE, _A.INTEREST_RECEIVABLE, billed),
    )
    return _journal(line, "credit_line_eod", day, moves, f"eod:{day.isoformat()}")


def _journal(line: Line, kind: str, day: date, moves, what: str) -> Journal | None:
    postings = legs(moves, line.currency)
    if not postings:
        return None
    ref = f"cl:{line.line_id}:{what}"
    return Journal(kind, day, tuple(postings), external_ref=ref, description=line.line_number)
