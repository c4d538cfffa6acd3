"""Product rules: what a loan product allows and how its loans are serviced.

Rules are data (stored as JSON on a product version); :class:`ProductRules` is their
typed, frozen form. The hub validates the JSON at the API edge; here we only read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from lms_core.money import ZERO, D
from lms_core.waterfall import STRATEGIES, ExcessHandling, LoanState, Strategy, WaterfallPolicy


class RateType(StrEnum):
    FIXED = "fixed"
    FLOATING = "floating"


class PrepaymentPolicy(StrEnum):
    REDUCE_TENOR = "reduce_tenor"  # keep the EMI
    REDUCE_EMI = "reduce_emi"  # keep the tenor


@dataclass(frozen=True, slots=True)
class DpdBucket:
    label: str
    min_dpd: int
    max_dpd: int | None  # None: open-ended


DEFAULT_BUCKETS = (
    DpdBucket("current", 0, 0),
    DpdBucket("1-30", 1, 30),
    DpdBucket("31-60", 31, 60),
    DpdBucket("61-90", 61, 90),
    DpdBucket("90+", 91, None),
)


@dataclass(frozen=True, slots=True)
class ProductRules:
    terms_defaults: Mapping[str, Any] = field(default_factory=dict)
    min_amount: Decimal = Decimal("1000")
    max_amount: Decimal = Decimal("100000000")
    min_tenure: int = 1
    max_tenure: int = 360
    min_rate: Decimal = ZERO
    max_rate: Decimal = Decimal("60")
    frequencies: tuple[str, ...] = ("monthly",)
    rate_type: RateType = RateType.FIXED
    benchmark: str | None = None
    spread: Decimal = ZERO
    reset_months: int = 0
    processing_fee_percent: Decimal = ZERO
    bounce_fee: Decimal = ZERO
    late_fee: Decimal = ZERO
    late_fee_after_days: int = 0
    penal_rate: Decimal = ZERO  # % a year on the overdue principal + interest
    grace_days: int = 0
    prepayment_charge_percent: Decimal = ZERO
    foreclosure_charge_percent: Decimal = ZERO
    waterfall: WaterfallPolicy = field(default_factory=WaterfallPolicy)
    excess_handling: ExcessHandling = ExcessHandling.ADVANCE
    prepayment_policy: PrepaymentPolicy = PrepaymentPolicy.REDUCE_TENOR
    dpd_buckets: tuple[DpdBucket, ...] = DEFAULT_BUCKETS
    npa_dpd: int = 90
    write_off_dpd: int | None = None

    def strategy(self, state: LoanState) -> Strategy:
        return self.waterfall.strategy_for(state)

    def bucket(self, dpd: int) -> str:
        """Return the delinquency bucket label for ``dpd``."""
        for b in self.dpd_buckets:
            if dpd >= b.min_dpd and (b.max_dpd is None or dpd <= b.max_dpd):
                return b.label
        return self.dpd_buckets[-1].label


_DECIMALS = {
    "min_amount",
    "max_amount",
    "min_rate",
    "max_rate",
    "spread",
    "processing_fee_percent",
    "bounce_fee",
    "late_fee",
    "penal_rate",
    "prepayment_charge_percent",
    "foreclosure_charge_percent",
}


def rules_from_dict(data: Mapping[str, Any]) -> ProductRules:
    """Return ProductRules from validated JSON data (unknown keys are ignored)."""
    values: dict[str, Any] = {}
    for key in ProductRules.__dataclass_fields__:
        if key not in data or data[key] is None:
            continue
        raw = data[key]
        if key in _DECIMALS:
            values[key] = D(str(raw))
        elif key == "waterfall":
            values[key] = WaterfallPolicy(
                **{state: STRATEGIES[name] for state, name in raw.items()}
            )
        elif key == "dpd_buckets":
            values[key] = tuple(DpdBucket(b["label"], b["min_dpd"], b.get("max_dpd")) for b in raw)
        elif key == "frequencies":
            values[key] = tuple(raw)
        elif key == "excess_handling":
            values[key] = ExcessHandling(raw)
        elif key == "prepayment_policy":
            values[key] = PrepaymentPolicy(raw)
        elif key == "rate_type":
            values[key] = RateType(raw)
        else:
            values[key] = raw
    return ProductRules(**values)


def term_problems(
    rules: ProductRules, principal: Decimal, tenure: int, rate: Decimal, frequency: str
) -> list[tuple[str, str]]:
    """Return (field, message) for every way the loan's terms break the product's ranges."""
    problems = []
    if not rules.min_amount <= principal <= rules.max_amount:
        problems.append(
            (
                "principal",
                f"{principal} outside the product's {rules.min_amount}..{rules.max_amount}",
            )
        )
    if not rules.min_tenure <= tenure <= rules.max_tenure:
        problems.append(
            ("tenure", f"{tenure} outside the product's {rules.min_tenure}..{rules.max_tenure}")
        )
    if not rules.min_rate <= rate <= rules.max_rate:
        problems.append(
            ("annual_rate", f"{rate} outside the product's {rules.min_rate}..{rules.max_rate}")
        )
    if frequency not in rules.frequencies:
        problems.append(
            ("frequency", f"{frequency} not offered (allowed: {', '.join(rules.frequencies)})")
        )
    return problems
