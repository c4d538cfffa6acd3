"""Matching rules as data: which strategy, which keys, which tolerances, in which order.

A :class:`Rule` names a :class:`Strategy` and a :class:`Tolerance`; a tenant's rule set
is an ordered tuple, tried first to last, and the first rule that *confidently* pairs an
item wins it (later rules never see it). :data:`DEFAULT_RULES` is the order Sangam ships:

1. ``exact_utr``: the bank's UTR equals the UTR we expected (payouts, partner transfers);
2. ``exact_reference``: the reference the payer quoted equals ours (NACH, UPI, manual);
3. ``amount_date_reference``: one-to-one on amount (exact), value date within -1..+3 days
   of the expected date and reference similarity >= 0.6 (bank narrations truncate ours);
4. ``settlement_batch``: one credit settles every open item of one batch (a day's NACH
   settlement is the sum of that day's successful presentations);
5. ``payer_group``: one credit settles every open item of one payer;
6. ``split_payment``: several credits quoting our reference settle one expected item.

Tolerances: ``amount_abs`` (rupees, so ``Decimal("0.50")`` is 50 paise) or
``amount_pct`` (percent of the expected amount), the larger one applies; the date window
``-days_before..+days_after`` is the actual value date minus the expected date; and
``min_similarity`` (0..1) is the text similarity threshold (see :mod:`lms_core.recon.similarity`).
:func:`rules_from_config` reads a rule set from configuration (JSON / YAML dicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from lms_core.money import D

__all__ = ["DEFAULT_RULES", "Rule", "Strategy", "Tolerance", "rules_from_config"]


class Strategy(StrEnum):
    EXACT = "exact"  # one-to-one on a key (UTR, our reference)
    ONE_TO_ONE = "one_to_one"  # amount + date window + reference similarity
    ONE_TO_MANY = "one_to_many"  # one actual settles a group of expected items
    MANY_TO_ONE = "many_to_one"  # several actual items settle one expected item


class ExactKey(StrEnum):
    """Pairs of fields an exact rule compares (actual field = expected field)."""

    UTR = "utr"  # actual.utr = expected.utr
    REFERENCE = "reference"  # actual.our_ref = expected.reference


@dataclass(frozen=True, slots=True)
class Tolerance:
    amount_abs: Decimal = Decimal("0")
    amount_pct: Decimal = Decimal("0")
    days_before: int = 1
    days_after: int = 3
    min_similarity: float = 0.0

    def allowed_variance(self, expected: Decimal) -> Decimal:
        """Return the largest amount difference accepted against ``expected``."""
        return max(self.amount_abs, expected * self.amount_pct / Decimal("100"))

    def amount_ok(self, expected: Decimal, actual: Decimal) -> bool:
        return abs(actual - expected) <= self.allowed_variance(expected)

    def date_ok(self, expected_on: date, value_date: date) -> bool:
        return -self.days_before <= (value_date - expected_on).days <= self.days_after


@dataclass(frozen=True, slots=True)
class Rule:
    """One matching rule; ``key`` for EXACT, ``group_by`` (expected field) for ONE_TO_MANY."""

    name: str
    strategy: Strategy
    tolerance: Tolerance = Tolerance()
    key: ExactKey | None = None
    group_by: str | None = None


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("exact_utr", Strategy.EXACT, key=ExactKey.UTR),
    Rule("exact_reference", Strategy.EXACT, key=ExactKey.REFERENCE),
    Rule("amount_date_reference", Strategy.ONE_TO_ONE, Tolerance(min_similarity=0.6)),
    Rule("settlement_batch", Strategy.ONE_TO_MANY, Tolerance(), group_by="batch"),
    Rule(
        "payer_group",
        Strategy.ONE_TO_MANY,
        Tolerance(min_similarity=0.8),
        group_by="counterparty",
    ),
    Rule("split_payment", Strategy.MANY_TO_ONE, Tolerance(days_after=7, min_similarity=1.0)),
)

_GROUP_FIELDS = {"batch", "counterparty", "account", "source"}


def _tolerance(data: Mapping[str, Any]) -> Tolerance:
    return Tolerance(
        amount_abs=D(str(data.get("amount_abs", "0"))),
        amount_pct=D(str(data.get("amount_pct", "0"))),
        days_before=int(data.get("days_before", 1)),
        days_after=int(data.get("days_after", 3)),
        min_similarity=float(str(data.get("min_similarity", "0"))),
    )


def rules_from_config(items: Iterable[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Return rules from ``[{name, strategy, key?, group_by?, tolerance?}, ...]``.

    Raises ValueError naming the rule for an unknown strategy, key or group field, a
    similarity outside 0..1 or a negative tolerance.
    """
    rules = []
    for index, data in enumerate(items):
        name = str(data.get("name") or f"rule[{index}]")
        try:
            rule = Rule(
                name,
                Strategy(data["strategy"]),
                _tolerance(data.get("tolerance") or {}),
                ExactKey(data["key"]) if data.get("key") else None,
                data.get("group_by"),
            )
        except (KeyError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"rule {name!r}: {exc}") from None
        _check(rule)
        rules.append(rule)
    return tuple(rules)


def _check(rule: Rule) -> None:
    tol = rule.tolerance
    if rule.strategy is Strategy.EXACT and rule.key is None:
        raise ValueError(f"rule {rule.name!r}: an exact rule needs a key (utr | reference)")
    if rule.strategy is Strategy.ONE_TO_MANY and rule.group_by not in _GROUP_FIELDS:
        raise ValueError(f"rule {rule.name!r}: group_by must be one of {sorted(_GROUP_FIELDS)}")
    if not 0 <= tol.min_similarity <= 1:
        raise ValueError(f"rule {rule.name!r}: min_similarity must be within 0..1")
    if tol.amount_abs < 0 or tol.amount_pct < 0 or tol.days_before < 0 or tol.days_after < 0:
        raise ValueError(f"rule {rule.name!r}: tolerances cannot be negative")
