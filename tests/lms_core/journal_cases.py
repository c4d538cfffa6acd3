"""How a builder test reads: a journal written as the ledger writes it, one posting a line.

Each case of ``test_journal_builders.py`` gives a builder call and the journal it must
return, as text::

    Dr ESCROW_BANK      8884.88   the EMI comes in
    Cr INTEREST_DUE     1000.00   installment 1's interest

``Dr`` is a debit (positive posting), ``Cr`` a credit (negative); the words after the
amount say why the posting is there. An empty text means the builder returns None
(the event moves nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from lms_core.ledger import Account, Journal, require_valid


def ledger(text: str) -> list[tuple[Account, Decimal]]:
    """Return (account, signed amount) per ``Dr`` / ``Cr`` line of ``text``."""
    out = []
    for line in text.splitlines():
        words = line.split()
        if words and words[0] in ("Dr", "Cr"):
            amount = Decimal(words[2])
            out.append((Account[words[1]], amount if words[0] == "Dr" else -amount))
    return out


@dataclass(frozen=True)
class Case:
    """A builder call, the journal it returns (ledger text) and the journal's other fields."""

    build: Callable[[], Journal | None]
    journal: str
    fields: dict[str, Any] = field(default_factory=dict)


def cases(table: dict[str, Case]) -> list:
    """Return the table as pytest parameters, each named by its key."""
    return [pytest.param(case, id=name) for name, case in table.items()]


def check(case: Case, loan_id: int | None) -> None:
    """Assert the built journal is the case's, balanced, over ``Account`` members, every
    posting naming ``loan_id``."""
    journal = case.build()
    expected = ledger(case.journal)
    if not expected:
        assert journal is None
        return
    assert journal is not None
    assert [(p.account, p.amount) for p in journal.postings] == expected
    assert all(type(p.account) is Account for p in journal.postings)
    assert {p.loan_id for p in journal.postings} == {loan_id}
    require_valid(journal)
    assert {k: getattr(journal, k) for k in case.fields} == case.fields
