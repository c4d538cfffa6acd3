"""The shapes every journal builder is made of, and the account groups balances are read by.

A builder (:mod:`lms_core.ledger.servicing`, :mod:`lms_core.ledger.lifecycle`,
:mod:`lms_core.ledger.credit_lines`) says *which* accounts an event moves; these
helpers make the postings:

* a **signed line**: ``amount`` on one account, a debit when positive, a credit when
  negative, and no line at all when zero (a zero posting is refused by the ledger);
* a **leg**: a positive ``amount`` moved between two accounts, debit the first, credit
  the second; a zero leg is left out.

The groups below name the accounts a service reads back (a loan's receivables, its
position for a life-cycle change), so no service spells an account.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from lms_core.ledger import OWN_BOOK, Posting, credit, debit
from lms_core.ledger.chart import Account
from lms_core.money import Currency

#: what a borrower owes on a loan, in the order a loan's summary shows them
RECEIVABLES: tuple[Account, ...] = (
    Account.LOAN_PRINCIPAL,
    Account.INTEREST_RECEIVABLE,
    Account.INTEREST_DUE,
    Account.FEES_RECEIVABLE,
    Account.PENAL_RECEIVABLE,
)

#: (debit, credit) of a day's accrual on a performing loan: the quiet day-end is only this
ACCRUAL: tuple[Account, Account] = (Account.INTEREST_RECEIVABLE, Account.INTEREST_INCOME)


def signed(
    account: Account, amount: Decimal, currency: Currency, loan_id: int | None
) -> Posting | None:
    """Return the own-book posting of ``amount`` (debit > 0) on ``account``; None for 0."""
    if amount == 0:
        return None
    return Posting(account, amount, currency, OWN_BOOK, loan_id)


def present(candidates: Iterable[Posting | None]) -> tuple[Posting, ...]:
    """Return the postings among ``candidates`` (the signed lines that are not zero)."""
    return tuple(p for p in candidates if p is not None)


def legs(
    moves: Iterable[tuple[Account, Account, Decimal]],
    currency: Currency,
    loan_id: int | None = None,
) -> list[Posting]:
    """Return the postings of each (debit account, credit account, amount), zeros left out."""
    postings: list[Posting] = []
    for dr, cr, amount in moves:
        if amount:
            postings += (
                debit(dr, amount, currency=currency, loan_id=loan_id),
                credit(cr, amount, currency=currency, loan_id=loan_id),
            )
    return postings
