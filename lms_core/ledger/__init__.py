"""The double-entry ledger, as pure values.

A *journal* is one business event (a disbursement, a repayment, a day's accrual); its
*postings* move amounts between accounts. Amounts are signed: a debit is positive, a
credit negative, so a journal balances when its postings sum to zero **per currency**.

Accounts are the members of :class:`~lms_core.ledger.chart.Account` (the chart, as a
StrEnum: a typo is an AttributeError, not a silently new account); journals for domain
events are built by pure functions next to the values (:mod:`lms_core.ledger.servicing`).

Every posting names the *owner* of the exposure it concerns: the lender's own book, a
co-lender, or a securitisation pool / investor. That makes each lender's and investor's
view of a loan a query over the same ledger rather than a copy of it.

The ledger is append-only: a mistake is undone by a *reversal*, a new journal whose
postings are the negation of the original's. Nothing here touches a database;
:mod:`lms_core.persistence.ledger.ledger_repository` stores and queries journals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms_core.ledger.chart import (  # the chart, re-exported with the values
    STANDARD_CHART,
    Account,
    AccountType,
    ChartEntry,
    ChartOfAccounts,
)
from lms_core.money import PAISA, ZERO, Currency, D

__all__ = [  # the chart's names, re-exported next to the values
    "STANDARD_CHART",
    "Account",
    "AccountType",
    "ChartEntry",
    "ChartOfAccounts",
]


class OwnerKind(StrEnum):
    """Who carries the exposure a posting concerns."""

    OWN_BOOK = "own_book"
    CO_LENDER = "co_lender"
    POOL = "pool"
    INVESTOR = "investor"


OWN_BOOK = "OWN"  # the code of every tenant's own-book owner


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of a journal: ``amount`` (debit > 0, credit < 0) on ``account``."""

    account: str
    amount: Decimal
    currency: Currency = Currency.INR
    owner: str = OWN_BOOK
    loan_id: int | None = None


@dataclass(frozen=True, slots=True)
class Journal:
    """A balanced set of postings for one business event."""

    kind: str
    business_date: date
    postings: tuple[Posting, ...]
    value_date: date | None = None
    description: str = ""
    loan_id: int | None = None
    external_ref: str | None = None
    reverses: int | None = None
    branch_id: int | None = None


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    """Why a journal cannot be posted."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Imbalance:
    currency: Currency
    difference: Decimal


class UnbalancedJournalError(ValueError):
    """Raised when a journal is offered for posting with problems."""

    def __init__(self, problems: list[LedgerProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def debit(account: str, amount: Decimal, **kw: object) -> Posting:
    """Return a posting debiting ``account`` by the positive ``amount``."""
    return Posting(account, D(amount), **kw)


def credit(account: str, amount: Decimal, **kw: object) -> Posting:
    """Return a posting crediting ``account`` by the positive ``amount``."""
    return Posting(account, -D(amount), **kw)


def transfer(
    debit_account: str, credit_account: str, amount: Decimal, **kw: object
) -> tuple[Posting, Posting]:
    """Return the two postings that move ``amount`` from ``credit_account`` to ``debit_account``."""
    return debit(debit_account, amount, **kw), credit(credit_account, amount, **kw)


def imbalances(postings: Iterable[Posting]) -> list[Imbalance]:
    """Return the non-zero sum of ``postings`` per currency (empty when balanced)."""
    sums: dict[Currency, Decimal] = {}
    for posting in postings:
        currency = posting.currency
        sums[currency] = sums.get(currency, ZERO) + posting.amount
    return [Imbalance(cur, total) for cur, total in sorted(sums.items()) if total != 0]


def validate(journal: Journal) -> list[LedgerProblem]:
    """Return every reason ``journal`` cannot be posted (empty list when it can)."""
    problems: list[LedgerProblem] = []
    if not journal.postings:
        problems.append(LedgerProblem("postings", "a journal needs at least two postings"))
    for i, posting in enumerate(journal.postings):
        amount = posting.amount
        if amount == 0:
            problems.append(LedgerProblem(f"postings[{i}]", f"zero amount on {posting.account}"))
        elif amount != amount.quantize(PAISA):
            problems.append(LedgerProblem(f"postings[{i}]", f"{amount} is finer than a paisa"))
        if not posting.account:
            problems.append(LedgerProblem(f"postings[{i}]", "no account"))
    for gap in imbalances(journal.postings):
        problems.append(
            LedgerProblem(
                "postings",
                f"unbalanced in {gap.currency}: debits exceed credits by {gap.difference}",
            )
        )
    return problems


def require_valid(journal: Journal) -> Journal:
    """Return ``journal`` unchanged; raise UnbalancedJournalError listing every problem."""
    problems = validate(journal)
    if problems:
        raise UnbalancedJournalError(problems)
    return journal


def reversal(original: Journal, original_id: int, business_date: date, reason: str) -> Journal:
    """Return the journal that undoes ``original`` (same postings, opposite signs)."""
    flipped = tuple(
        Posting(p.account, -p.amount, p.currency, p.owner, p.loan_id) for p in original.postings
    )
    return Journal(
        kind=f"reversal:{original.kind}",
        business_date=business_date,
        postings=flipped,
        value_date=original.value_date,
        description=reason,
        loan_id=original.loan_id,
        reverses=original_id,
        branch_id=original.branch_id,
    )
