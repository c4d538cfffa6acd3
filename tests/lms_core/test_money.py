"""Money: the one constructor refuses floats; rounding happens only where named."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_core.money import (
    Currency,
    D,
    Money,
    MoneyError,
    RoundingMode,
    from_paise,
    round_money,
    round_to,
    round_to_multiple,
    to_paise,
)


def test_float_is_refused_with_a_clear_message():
    with pytest.raises(MoneyError, match=r"refusing float 0\.1 as money"):
        D(0.1)
    with pytest.raises(MoneyError):
        Money.of(10.5)


@pytest.mark.parametrize("bad", [True, "abc", "NaN", "Infinity", None, [1]])
def test_non_numbers_are_refused(bad):
    with pytest.raises(MoneyError):
        D(bad)


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.345", RoundingMode.HALF_UP, "2.35"),
        ("2.345", RoundingMode.HALF_EVEN, "2.34"),
        ("2.355", RoundingMode.HALF_EVEN, "2.36"),
        ("2.341", RoundingMode.UP, "2.35"),
        ("2.349", RoundingMode.DOWN, "2.34"),
        ("-2.345", RoundingMode.HALF_UP, "-2.35"),
        ("-2.341", RoundingMode.FLOOR, "-2.35"),
        ("-2.349", RoundingMode.CEILING, "-2.34"),
    ],
)
def test_round_money_modes(value, mode, expected):
    assert round_money(D(value), mode) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "multiple", "mode", "expected"),
    [
        ("969.7255", "0.01", RoundingMode.HALF_UP, "969.73"),
        ("969.7255", "1", RoundingMode.UP, "970.00"),
        ("969.7255", "1", RoundingMode.HALF_UP, "970.00"),
        ("969.4", "1", RoundingMode.HALF_UP, "969.00"),
        ("969.7255", "10", RoundingMode.DOWN, "960.00"),
        ("965", "10", RoundingMode.HALF_EVEN, "960.00"),
        ("975", "10", RoundingMode.HALF_EVEN, "980.00"),
    ],
)
def test_round_to_multiple(value, multiple, mode, expected):
    assert round_to_multiple(D(value), D(multiple), mode) == Decimal(expected)


def test_round_to_places():
    assert round_to(D("0.0123456"), 4) == Decimal("0.0123")


def test_paise_round_trip_and_refusal_of_fractions():
    assert to_paise(D("1234.56")) == 123456
    assert from_paise(123456) == Decimal("1234.56")
    with pytest.raises(MoneyError, match="fraction of a paisa"):
        to_paise(D("0.005"))


def test_money_refuses_mixed_currencies():
    assert Money.of("10") + Money.of("2.50") == Money.of("12.50")
    with pytest.raises(MoneyError, match="currency mismatch"):
        Money.of("10", Currency.INR) + Money.of("1", Currency.USD)
    assert str(Money.of("5", "USD")) == "USD 5.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_paise_round_trip_property(paise):
    assert to_paise(from_paise(paise)) == paise
