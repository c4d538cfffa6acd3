"""What bank statements have in common, whatever their wire format (MT940, camt.053/054).

A statement has an opening and a closing balance, each a credit (C) or debit (D) amount,
and lines in between; it is only trusted when ``opening + sum(lines) == closing`` (signed:
credits add, debits subtract). :func:`balance_error` says why a statement does not
balance, or returns None when it does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class CreditDebit(StrEnum):
    """Credit / debit mark; MT940 writes C / D, ISO 20022 CRDT / DBIT (see ``from_iso``)."""

    CREDIT = "C"
    DEBIT = "D"

    @classmethod
    def from_iso(cls, value: str) -> CreditDebit:
        """Return the mark for an ISO 20022 ``CdtDbtInd`` (raises ValueError if unknown)."""
        return {"CRDT": cls.CREDIT, "DBIT": cls.DEBIT}[value]

    @property
    def iso(self) -> str:
        return "CRDT" if self is CreditDebit.CREDIT else "DBIT"

    def sign(self, amount: Decimal) -> Decimal:
        """Return ``amount`` positive for a credit, negative for a debit."""
        return amount if self is CreditDebit.CREDIT else -amount


@dataclass(frozen=True, slots=True)
class Balance:
    """A balance as statements print it: unsigned amount plus a C / D mark."""

    mark: CreditDebit
    date: date
    currency: str
    amount: Decimal

    @property
    def signed(self) -> Decimal:
        return self.mark.sign(self.amount)


def balance_error(opening: Balance, movements: Iterable[Decimal], closing: Balance) -> str | None:
    """Return why ``opening + sum(movements) != closing`` (signed), or None if it holds."""
    moved = sum(movements, Decimal("0"))
    expected = opening.signed + moved
    if expected == closing.signed:
        return None
    return (
        f"opening {opening.signed} + lines {moved} = {expected}, "
        f"but closing balance is {closing.signed}"
    )
