"""The pure engine and its tolerances, table-driven (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_core.recon.engine import plan_matches
from lms_core.recon.items import ActualItem, ExpectedItem
from lms_core.recon.rules import DEFAULT_RULES, Rule, Strategy, Tolerance, rules_from_config
from lms_core.recon.similarity import similarity

D5 = date(2024, 4, 5)


def one_to_one(**tol) -> tuple[Rule, ...]:
    return (Rule("fuzzy", Strategy.ONE_TO_ONE, Tolerance(**tol)),)


@pytest.mark.parametrize(
    ("expected", "received", "tolerance", "matched"),
    [
        ("1000.00", "1000.00", {}, True),
        ("1000.00", "999.99", {}, False),  # exact amount by default
        ("1000.00", "999.50", {"amount_abs": Decimal("0.50")}, True),  # 50 paise allowed
        ("1000.00", "999.49", {"amount_abs": Decimal("0.50")}, False),
        ("1000.00", "990.00", {"amount_pct": Decimal("1")}, True),  # 1 % of 1,000 = 10.00
        ("1000.00", "989.99", {"amount_pct": Decimal("1")}, False),
    ],
)
def test_amount_tolerance(expected, received, tolerance, matched):
    e = ExpectedItem(1, "credit", Decimal(expected), D5, "LN-1")
    a = ActualItem(7, "credit", Decimal(received), D5, narration="LN-1")
    plan = plan_matches([a], [e], one_to_one(**tolerance))
    assert bool(plan.matches) is matched


@pytest.mark.parametrize(("day", "matched"), [(3, False), (4, True), (8, True), (9, False)])
def test_date_window_minus_one_to_plus_three(day, matched):
    e = ExpectedItem(1, "credit", Decimal("10.00"), D5, "LN-1")
    a = ActualItem(7, "credit", Decimal("10.00"), date(2024, 4, day), narration="LN-1")
    assert bool(plan_matches([a], [e], one_to_one()).matches) is matched


def test_similarity_threshold():
    # LN202400012 (the bank cut a digit) vs LN2024000123: 2*11/23 = 0.9565
    assert similarity("LN2024000123", ["NEFT CR LN202400012"]) == pytest.approx(22 / 23)
    e = ExpectedItem(1, "credit", Decimal("10.00"), D5, "LN2024000123")
    a = ActualItem(7, "credit", Decimal("10.00"), D5, narration="NEFT CR LN202400012")
    assert plan_matches([a], [e], one_to_one(min_similarity=0.95)).matches
    assert not plan_matches([a], [e], one_to_one(min_similarity=0.96)).matches


def test_mutual_best_wins_and_the_loser_is_retried():
    e1 = ExpectedItem(1, "credit", Decimal("10.00"), D5, "ABCD1234")
    e2 = ExpectedItem(2, "credit", Decimal("10.00"), D5, "WXYZ9876")
    a1 = ActualItem(7, "credit", Decimal("10.00"), D5, narration="ABCD1234")
    a2 = ActualItem(8, "credit", Decimal("10.00"), D5, narration="WXYZ987")
    plan = plan_matches([a1, a2], [e1, e2], DEFAULT_RULES)
    assert sorted((m.actual_ids, m.expected_ids) for m in plan.matches) == [
        ((7,), (1,)), ((8,), (2,))
    ]  # fmt: skip


def test_rules_from_config_and_its_errors():
    (rule,) = rules_from_config([
        {"name": "loose", "strategy": "one_to_one",
         "tolerance": {"amount_pct": "0.5", "days_after": 5, "min_similarity": "0.7"}},
    ])  # fmt: skip
    assert rule.tolerance == Tolerance(Decimal("0"), Decimal("0.5"), 1, 5, 0.7)
    with pytest.raises(ValueError, match="rule 'x': an exact rule needs a key"):
        rules_from_config([{"name": "x", "strategy": "exact"}])
    with pytest.raises(ValueError, match="rule 'y'"):
        rules_from_config([{"name": "y", "strategy": "fuzzy"}])
