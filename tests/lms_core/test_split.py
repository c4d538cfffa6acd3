"""Exact splits: largest remainder, named remainder party, component-wise splits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms_core.split import split, split_components, validate_ratios


def amounts(shares) -> list[str]:
    return [str(s.amount) for s in shares]


@pytest.mark.parametrize(
    ("amount", "ratios", "remainder_to", "expected"),
    [
        # 100.00 / 3: 33.333 each; one paisa left goes to the first (ties by order)
        ("100.00", {"a": 1, "b": 1, "c": 1}, None, ["33.34", "33.33", "33.33"]),
        ("100.00", {"a": 1, "b": 1, "c": 1}, "c", ["33.33", "33.33", "33.34"]),
        # co-lending 80:20 of 1234.57: 987.656 / 246.914 → 987.66 / 246.91
        ("1234.57", {"bank": 80, "nbfc": 20}, None, ["987.66", "246.91"]),
        # remainders .4/.6: the larger remainder wins: 0.05 × 0.6 = 0.03, × 0.4 = 0.02
        ("0.05", {"x": Decimal("0.4"), "y": Decimal("0.6")}, None, ["0.02", "0.03"]),
        ("-10.00", {"a": 1, "b": 2}, None, ["-3.33", "-6.67"]),
        ("0.00", {"a": 1, "b": 0}, None, ["0.00", "0.00"]),
    ],
)
def test_split(amount, ratios, remainder_to, expected):
    ratios = {k: Decimal(v) for k, v in ratios.items()}
    shares = split(Decimal(amount), ratios, remainder_to)
    assert amounts(shares) == expected
    assert sum(s.amount for s in shares) == Decimal(amount)


def test_split_to_whole_rupees():
    shares = split(Decimal(10), [("a", Decimal(1)), ("b", Decimal(2))], unit=Decimal(1))
    assert amounts(shares) == ["3", "7"]


def test_split_components_keeps_each_component_exact():
    components = {"principal": Decimal("1000.01"), "interest": Decimal("10.01")}
    parts = split_components(components, {"bank": Decimal(80), "nbfc": Decimal(20)})
    assert parts == {
        "bank": {"principal": Decimal("800.01"), "interest": Decimal("8.01")},
        "nbfc": {"principal": Decimal("200.00"), "interest": Decimal("2.00")},
    }


def test_invalid_ratios():
    assert [p.field for p in validate_ratios({}, "x")] == ["ratios", "remainder_to"]
    with pytest.raises(ValueError):
        split(Decimal("1.00"), {"a": Decimal(-1)})
    with pytest.raises(ValueError):
        split(Decimal("1.001"), {"a": Decimal(1)})
