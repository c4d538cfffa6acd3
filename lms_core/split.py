"""Exact splitting: shares of an amount that always add up to the whole, to the paisa.

Co-lending (80:20 between a bank and an NBFC), pool pay-outs and fee sharing all split
money by ratio. Rounding each share on its own loses or invents paise; here the amount
is counted in whole units (paise by default) and divided with the *largest remainder*
method:

1. each party gets the floor of its exact share ``units × ratio / Σ ratios``
   (computed with exact fractions, no precision limit);
2. the units left over (fewer than the number of parties) go one each to the parties
   with the largest fractional remainders, ties to the party listed first, or all of
   them to a named ``remainder_to`` party (a co-lending agreement often names the
   originator).

:func:`split_components` splits each component of a collection (principal, interest,
fees ...) separately, so every component, not just the total, is exact across parties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lms_core.money import PAISA
from lms_core.schedule.problems import Problem

Ratios = Mapping[str, Decimal] | Sequence[tuple[str, Decimal]]


@dataclass(frozen=True, slots=True)
class Share:
    party: str
    amount: Decimal


def _pairs(ratios: Ratios) -> list[tuple[str, Decimal]]:
    return list(ratios.items()) if isinstance(ratios, Mapping) else list(ratios)


def validate_ratios(ratios: Ratios, remainder_to: str | None = None) -> list[Problem]:
    """Return the problems with ``ratios`` (empty when they can split an amount)."""
    pairs = _pairs(ratios)
    problems = []
    if not pairs:
        problems.append(Problem("ratios", "name at least one party"))
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        problems.append(Problem("ratios", "each party may appear once"))
    if any(isinstance(w, float) or w < 0 for _, w in pairs):
        problems.append(Problem("ratios", "ratios are non-negative Decimals"))
    elif pairs and sum(w for _, w in pairs) <= 0:
        problems.append(Problem("ratios", "ratios must not all be zero"))
    if remainder_to is not None and remainder_to not in names:
        problems.append(Problem("remainder_to", f"{remainder_to!r} is not a party"))
    return problems


def split(
    amount: Decimal, ratios: Ratios, remainder_to: str | None = None, unit: Decimal = PAISA
) -> tuple[Share, ...]:
    """Return ``amount`` split by ``ratios`` into shares summing exactly to ``amount``.

    Shares come back in the order the parties were given. Raises ValueError when the
    ratios are invalid (see :func:`validate_ratios`) or ``amount`` is not a whole number
    of ``unit``.
    """
    problems = validate_ratios(ratios, remainder_to)
    if problems:
        raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
    units = Fraction(amount) / Fraction(unit)
    if units.denominator != 1:
        raise ValueError(f"{amount} is not a whole number of {unit}")
    sign = -1 if units < 0 else 1
    counts = _largest_remainder(abs(int(units)), _pairs(ratios), remainder_to)
    return tuple(Share(name, (Decimal(sign * n) * unit).quantize(unit)) for name, n in counts)


def _largest_remainder(
    units: int, pairs: list[tuple[str, Decimal]], remainder_to: str | None
) -> list[tuple[str, int]]:
    total = sum(Fraction(w) for _, w in pairs)
    exact = [units * Fraction(w) / total for _, w in pairs]
    floors = [int(e) for e in exact]  # exact >= 0, so int() is the floor
    left = units - sum(floors)
    if remainder_to is not None:
        floors[[name for name, _ in pairs].index(remainder_to)] += left
    else:
        order = sorted(range(len(pairs)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
    return [(name, n) for (name, _), n in zip(pairs, floors, strict=True)]


def split_components(
    components: Mapping[str, Decimal],
    ratios: Ratios,
    remainder_to: str | None = None,
    unit: Decimal = PAISA,
) -> dict[str, dict[str, Decimal]]:
    """Return party → component → amount, each component split exactly across parties.

    Every component's shares sum to that component; each party's amounts sum to what
    it receives. Raises ValueError as :func:`split` does.
    """
    result: dict[str, dict[str, Decimal]] = {name: {} for name, _ in _pairs(ratios)}
    for component, amount in components.items():
        for share in split(amount, ratios, remainder_to, unit):
            result[share.party][component] = share.amount
    return result
