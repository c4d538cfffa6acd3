"""Money: one number type, one constructor, rounding only at named points.

Every amount in Sangam is a :class:`decimal.Decimal` built by :func:`D`, which refuses
floats (a float cannot hold 0.10 exactly, and a ledger that starts from one never
balances). Calculations keep full precision and round only through the named helpers
below, each with an explicit :class:`RoundingMode`. :class:`Money` pairs an amount with
its currency so that rupees are never added to dollars.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

# Enough digits for any rate or discount factor we compound; amounts are stored at scale 2.
# Applied to this thread and to threads started later (DefaultContext is their template).
decimal.DefaultContext.prec = 34
decimal.getcontext().prec = 34

ZERO = Decimal("0")
PAISA = Decimal("0.01")
HUNDRED = Decimal("100")


class MoneyError(ValueError):
    """A value cannot be used as money (a float, a non-number, mixed currencies)."""


class Currency(StrEnum):
    """ISO 4217 codes Sangam books in. Minor units are 2 for every code listed."""

    INR = "INR"
    USD = "USD"
    EUR = "EUR"
    GBP = "GBP"
    AED = "AED"
    SGD = "SGD"


class RoundingMode(StrEnum):
    """How a value is brought to a coarser step; names as products configure them."""

    UP = "up"  # away from zero
    DOWN = "down"  # towards zero (truncate)
    CEILING = "ceiling"
    FLOOR = "floor"
    HALF_UP = "half_up"
    HALF_DOWN = "half_down"
    HALF_EVEN = "half_even"  # banker's rounding


_DECIMAL_MODES = {
    RoundingMode.UP: decimal.ROUND_UP,
    RoundingMode.DOWN: decimal.ROUND_DOWN,
    RoundingMode.CEILING: decimal.ROUND_CEILING,
    RoundingMode.FLOOR: decimal.ROUND_FLOOR,
    RoundingMode.HALF_UP: decimal.ROUND_HALF_UP,
    RoundingMode.HALF_DOWN: decimal.ROUND_HALF_DOWN,
    RoundingMode.HALF_EVEN: decimal.ROUND_HALF_EVEN,
}


def D(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal; the only way money enters a calculation.

    Accepts Decimal, int and numeric strings ("1234.50", "1,234.50" is refused: strip
    grouping at the edge where the format is known). Raises :class:`MoneyError` for a
    float, a bool, NaN / infinity or text that is not a number.
    """
    if type(value) is Decimal and value.is_finite():  # the common case, checked first
        return value
    if isinstance(value, bool | float):
        raise MoneyError(
            f"refusing {type(value).__name__} {value!r} as money: pass a str or Decimal"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise MoneyError(f"not a number: {value!r}") from None
    else:
        raise MoneyError(f"refusing {type(value).__name__} {value!r} as money")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return result


# quantize reads only the exponent of its argument: one Decimal per number of places.
_STEPS = {places: Decimal(1).scaleb(-places) for places in range(-4, 11)}


def round_to(value: Decimal, places: int = 2, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    """Return ``value`` rounded to ``places`` decimal places with ``mode``."""
    step = _STEPS.get(places) if type(places) is int else None
    if step is None:
        step = Decimal(1).scaleb(-places)
    try:
        rounding = _DECIMAL_MODES[mode]
    except (KeyError, TypeError):  # not a mode's value: RoundingMode() raises ValueError
        rounding = _DECIMAL_MODES[RoundingMode(mode)]
    return value.quantize(step, rounding=rounding)


def round_money(value: Decimal, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    """Return ``value`` rounded to the paisa (2 places) with ``mode``."""
    try:  # the look-up of round_to, inlined: this one runs for every amount computed
        rounding = _DECIMAL_MODES[mode]
    except (KeyError, TypeError):
        rounding = _DECIMAL_MODES[RoundingMode(mode)]
    return value.quantize(PAISA, rounding=rounding)


def round_to_multiple(
    value: Decimal, multiple: Decimal, mode: RoundingMode = RoundingMode.HALF_UP
) -> Decimal:
    """Return ``value`` rounded to a multiple of ``multiple`` (0.01, 1, 10 ...) with ``mode``.

    The result keeps two decimal places so it can be stored as an amount.
    """
    if multiple <= 0:
        raise MoneyError(f"rounding multiple must be positive, got {multiple}")
    units = (value / multiple).quantize(Decimal(1), rounding=_DECIMAL_MODES[RoundingMode(mode)])
    return round_money(units * multiple)


def to_paise(amount: Decimal) -> int:
    """Return ``amount`` (rupees) as whole paise; raises if it has a fraction of a paisa."""
    paise = amount * 100
    if paise != paise.to_integral_value():
        raise MoneyError(f"{amount} has a fraction of a paisa")
    return int(paise)


def from_paise(paise: int) -> Decimal:
    """Return whole ``paise`` as a rupee amount with scale 2."""
    return (Decimal(paise) / 100).quantize(PAISA)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: Currency = Currency.INR

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", D(self.amount))
        object.__setattr__(self, "currency", Currency(self.currency))

    @classmethod
    def of(cls, value: Decimal | int | str, currency: Currency | str = Currency.INR) -> Money:
        """Return Money from a Decimal / int / str amount (never a float)."""
        return cls(D(value), Currency(currency))

    @classmethod
    def zero(cls, currency: Currency | str = Currency.INR) -> Money:
        return cls(ZERO, Currency(currency))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * D(factor), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def rounded(self, mode: RoundingMode = RoundingMode.HALF_UP) -> Money:
        """Return this amount rounded to the paisa."""
        return Money(round_money(self.amount, mode), self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:.2f}"
