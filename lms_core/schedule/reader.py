"""Reading loan terms from a JSON-shaped mapping, collecting every problem.

A :class:`FieldReader` reads one mapping; each ``get_*`` method returns the parsed value
(or the default, or None when the value is bad) and records a :class:`Problem` under the
field's dotted name when it cannot parse. Numbers are accepted as Decimal, int or
decimal strings; a float (JSON parsed without ``parse_float=Decimal``) is refused.
The field names and defaults are documented in :mod:`lms_core.terms_json`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from lms_core.calendar import BusinessDayConvention, HolidayCalendar
from lms_core.daycount import DayCount
from lms_core.money import PAISA, ZERO, Currency, RoundingMode
from lms_core.schedule.problems import Problem
from lms_core.schedule.terms import (
    AccrualEnd,
    Amortization,
    BrokenPeriod,
    CustomInstallment,
    Fee,
    FeeKind,
    Frequency,
    InstallmentRounding,
    InterestBasis,
    InterestMethod,
    InterestRounding,
    LoanTerms,
    Moratorium,
    MoratoriumInterest,
    PayableTo,
    Step,
    Tranche,
)

E = TypeVar("E", bound=StrEnum)
_MISSING = object()
_FLOAT = 'a float is not accepted: send a string such as "15.5" (or parse with Decimal)'

TOP_FIELDS = frozenset(
    [
        "principal",
        "currency",
        "annual_rate",
        "tenure",
        "frequency",
        "disbursement_date",
        "first_due_date",
        "interest_method",
        "amortization",
        "interest_basis",
        "day_count",
        "installment_rounding",
        "interest_rounding",
        "moratorium",
        "down_payment_percent",
        "disbursements",
        "fees",
        "broken_period",
        "balloon_percent",
        "step",
        "custom",
        "holidays",
        "stick_to_month_end",
    ]
)


class FieldReader:
    """Reads fields of one mapping, appending problems to a shared list."""

    def __init__(self, data: Any, problems: list[Problem], prefix: str = "") -> None:
        self.prefix = prefix
        self.problems = problems
        if not isinstance(data, dict):
            self.data: dict = {}
            self.problem("", "must be an object")
        else:
            self.data = data

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix and key else (self.prefix or key)

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.name(key) or "(terms)", message))

    def unknown(self, allowed: frozenset[str]) -> None:
        """Report keys outside ``allowed``."""
        for key in sorted(set(self.data) - allowed):
            self.problem(str(key), "unknown field")

    def raw(self, key: str, required: bool) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problem(key, "is required")
            return _MISSING
        return value

    def decimal(self, key: str, default: Decimal | None = None, required: bool = False):
        value = self.raw(key, required)
        if value is _MISSING:
            return default
        return self._to_decimal(key, value)

    def _to_decimal(self, key: str, value: Any) -> Decimal | None:
        if isinstance(value, float):
            self.problem(key, _FLOAT)
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            self.problem(key, "must be a number")
            return None
        try:
            result = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except InvalidOperation:
            self.problem(key, f"not a number: {value!r}")
            return None
        if not result.is_finite():
            self.problem(key, "must be a finite number")
            return None
        return result

    def integer(self, key: str, default: int | None = None, required: bool = False):
        number = self.decimal(key, None, required)
        if number is None:
            return default
        if number != number.to_integral_value():
            self.problem(key, "must be a whole number")
            return None
        return int(number)

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.raw(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.problem(key, "must be a date as YYYY-MM-DD")
            return None

    def choice(self, key: str, enum: type[E], default: E | None, required: bool = False):
        value = self.raw(key, required)
        if value is _MISSING:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.problem(key, f"must be one of {allowed}")
            return default

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(key, "must be true or false")
            return default
        return value

    def items(self, key: str) -> list[FieldReader]:
        value = self.raw(key, False)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.problem(key, "must be a list")
            return []
        return [
            FieldReader(item, self.problems, f"{self.name(key)}[{i}]")
            for i, item in enumerate(value)
        ]

    def child(self, key: str) -> FieldReader | None:
        value = self.raw(key, False)
        return None if value is _MISSING else FieldReader(value, self.problems, self.name(key))


def _rounding(r: FieldReader) -> tuple[InstallmentRounding, InterestRounding]:
    inst = r.child("installment_rounding")
    intr = r.child("interest_rounding")
    installment = InstallmentRounding()
    interest = InterestRounding()
    if inst is not None:
        inst.unknown(frozenset({"multiple", "mode"}))
        installment = InstallmentRounding(
            inst.decimal("multiple", PAISA) or PAISA,
            inst.choice("mode", RoundingMode, RoundingMode.HALF_UP),
        )
    if intr is not None:
        intr.unknown(frozenset({"places", "mode"}))
        places = intr.integer("places", 2)
        mode = intr.choice("mode", RoundingMode, RoundingMode.HALF_EVEN)
        interest = InterestRounding(2 if places is None else places, mode)
    return installment, interest


def _moratorium(r: FieldReader) -> Moratorium:
    m = r.child("moratorium")
    if m is None:
        return Moratorium()
    m.unknown(frozenset({"principal_periods", "interest_periods", "interest_treatment"}))
    treatment = MoratoriumInterest.CAPITALISE
    return Moratorium(
        m.integer("principal_periods", 0) or 0,
        m.integer("interest_periods", 0) or 0,
        m.choice("interest_treatment", MoratoriumInterest, treatment),
    )


def _fee(f: FieldReader) -> Fee:
    f.unknown(frozenset({"name", "amount", "percent", "payable_to", "upfront", "collection"}))
    name = f.data.get("name")
    if not isinstance(name, str) or not name:
        f.problem("name", "is required (a text)")
    percent = f.decimal("percent")
    amount = f.decimal("amount", None, required=percent is None) or ZERO
    upfront = f.flag("upfront", True)
    collected = f.raw("collection", False)
    if collected not in (_MISSING, "deducted", "collected"):
        f.problem("collection", "must be deducted or collected")
    kind = FeeKind.PER_INSTALLMENT
    if upfront:
        deducted = collected != "collected"
        kind = FeeKind.UPFRONT_DEDUCTED if deducted else FeeKind.UPFRONT_COLLECTED
    payable = f.choice("payable_to", PayableTo, PayableTo.LENDER)
    return Fee(str(name), amount, percent, payable or PayableTo.LENDER, kind)


def _tranche(t: FieldReader) -> Tranche:
    t.unknown(frozenset({"date", "amount"}))
    on = t.day("date", required=True)
    amount = t.decimal("amount", required=True)
    return Tranche(on or date.min, amount or ZERO)


def _custom(c: FieldReader) -> CustomInstallment:
    c.unknown(frozenset({"due_date", "amount", "principal_percent"}))
    return CustomInstallment(
        c.day("due_date", required=True) or date.min,
        c.decimal("amount"),
        c.decimal("principal_percent"),
    )


def _step(r: FieldReader) -> Step | None:
    s = r.child("step")
    if s is None:
        return None
    s.unknown(frozenset({"every", "percent"}))
    return Step(s.integer("every", required=True) or 0, s.decimal("percent", required=True) or ZERO)


def _holidays(r: FieldReader) -> tuple[HolidayCalendar, BusinessDayConvention, AccrualEnd]:
    h = r.child("holidays")
    none = BusinessDayConvention.NONE
    if h is None:
        return HolidayCalendar(name="none", weekend=frozenset()), none, AccrualEnd.UNADJUSTED
    h.unknown(
        frozenset({"dates", "weekend", "convention", "second_fourth_saturdays", "interest_to"})
    )
    dates = h.data.get("dates", [])
    weekend = h.data.get("weekend", [])
    days: set[date] = set()
    for index, text in enumerate(dates if isinstance(dates, list) else []):
        try:
            days.add(date.fromisoformat(text))
        except (TypeError, ValueError):
            h.problem(f"dates[{index}]", "must be a date as YYYY-MM-DD")
    if not isinstance(weekend, list) or not all(
        isinstance(w, int) and 0 <= w <= 6 for w in weekend
    ):
        h.problem("weekend", "must list weekday numbers 0 (Monday) to 6 (Sunday)")
        weekend = []
    calendar = HolidayCalendar(
        "terms", frozenset(days), frozenset(weekend), h.flag("second_fourth_saturdays", False)
    )
    convention = h.choice("convention", BusinessDayConvention, none)
    return calendar, convention, h.choice("interest_to", AccrualEnd, AccrualEnd.UNADJUSTED)


def read_terms(payload: Any) -> tuple[LoanTerms | None, list[Problem]]:
    """Return the LoanTerms read from ``payload`` and every problem met while reading.

    The terms come back whenever the required fields could be read, even with problems
    in optional ones (those take their defaults), so that the consistency checks can
    still run and report their problems in the same answer.
    """
    problems: list[Problem] = []
    r = FieldReader(payload, problems)
    r.unknown(TOP_FIELDS)
    installment, interest = _rounding(r)
    calendar, convention, accrual_end = _holidays(r)
    values = {
        "principal": r.decimal("principal", required=True),
        "annual_rate": r.decimal("annual_rate", required=True),
        "tenure": r.integer("tenure", required=True),
        "frequency": r.choice("frequency", Frequency, None, required=True),
        "disbursement_date": r.day("disbursement_date", required=True),
        "first_due_date": r.day("first_due_date"),
        "currency": r.choice("currency", Currency, Currency.INR),
        "interest_method": r.choice("interest_method", InterestMethod, InterestMethod.DECLINING),
        "amortization": r.choice("amortization", Amortization, Amortization.EQUAL_INSTALLMENT),
        "interest_basis": r.choice("interest_basis", InterestBasis, InterestBasis.PERIOD),
        "day_count": r.choice("day_count", DayCount, DayCount.ACT_365F),
        "installment_rounding": installment,
        "interest_rounding": interest,
        "moratorium": _moratorium(r),
        "down_payment_percent": r.decimal("down_payment_percent", ZERO),
        "disbursements": tuple(_tranche(t) for t in r.items("disbursements")),
        "fees": tuple(_fee(f) for f in r.items("fees")),
        "broken_period": r.choice("broken_period", BrokenPeriod, BrokenPeriod.ADD_TO_FIRST),
        "balloon_percent": r.decimal("balloon_percent", ZERO),
        "step": _step(r),
        "custom": tuple(_custom(c) for c in r.items("custom")),
        "calendar": calendar,
        "convention": convention,
        "accrual_end": accrual_end,
        "stick_to_month_end": r.flag("stick_to_month_end", False),
    }
    custom = values["custom"]
    if custom and values["tenure"] is not None and values["tenure"] != len(custom):
        r.problem("tenure", "must equal the number of custom installments")
    required = ("principal", "annual_rate", "tenure", "frequency", "disbursement_date")
    if any(values[k] is None for k in required):
        return None, problems
    for key in ("down_payment_percent", "balloon_percent"):
        values[key] = ZERO if values[key] is None else values[key]  # reported already
    return LoanTerms(**values), problems
