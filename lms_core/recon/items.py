"""The records the matching engine reads and the decisions it returns (all immutable).

:class:`ActualItem` is a bank movement (statement line, UTR-feed line); :class:`ExpectedItem`
a movement we expected. Amounts are unsigned; ``direction`` says which way money moved.
The engine answers with a :class:`Plan`: :class:`Match` es it is confident about (to be
claimed), :class:`Suggestion` s it is not (two equal candidates: a person decides), and
for every actual item it could not place, the nearest miss (:class:`NearMiss`) that
explains the break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = ["ActualItem", "ExpectedItem", "Match", "NearMiss", "Plan", "Suggestion"]


@dataclass(frozen=True, slots=True)
class ActualItem:
    id: int
    direction: str
    amount: Decimal
    value_date: date
    currency: str = "INR"
    account: str | None = None
    utr: str | None = None
    our_ref: str | None = None
    bank_ref: str | None = None
    narration: str = ""
    counterparty: str | None = None

    def texts(self) -> tuple[str | None, ...]:
        """Everything a payer's reference may hide in, best evidence first."""
        return (self.our_ref, self.bank_ref, self.utr, self.narration, self.counterparty)


@dataclass(frozen=True, slots=True)
class ExpectedItem:
    id: int
    direction: str
    amount: Decimal
    expected_on: date
    reference: str
    currency: str = "INR"
    account: str | None = None
    source: str = ""
    utr: str | None = None
    counterparty: str | None = None
    batch: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """A confident match: these actual items settle these expected items."""

    rule: str
    strategy: str
    actual_ids: tuple[int, ...]
    expected_ids: tuple[int, ...]
    variance: Decimal  # actual total - expected total
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Candidates a rule found but could not choose between; never auto-confirmed."""

    rule: str
    actual_ids: tuple[int, ...]
    expected_ids: tuple[int, ...]
    score: float
    note: str


@dataclass(frozen=True, slots=True)
class NearMiss:
    """An expected item that resembles an unplaced actual item but fails a tolerance."""

    actual_id: int
    expected_id: int
    detail: str


@dataclass(frozen=True, slots=True)
class Plan:
    matches: tuple[Match, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    near_misses: tuple[NearMiss, ...] = ()
    by_rule: dict[str, int] = field(default_factory=dict)
