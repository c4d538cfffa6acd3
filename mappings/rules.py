"""Validation rules of a mapping field (``required`` and ``validate:``), compiled once.

``validate`` accepts ``regex`` (the whole value must match), ``min`` / ``max`` (compared
as Decimal for numbers, as dates for dates) and ``one_of`` (a list). A broken value
raises ValueError with a message for operations; a broken rule raises RuleError at load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_RULE_KEYS = {"regex", "min", "max", "one_of"}


class RuleError(ValueError):
    """A ``validate`` block is malformed."""


def _bound(value: Any, key: str) -> Any:
    if isinstance(value, date | Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError(f"'{key}' must be a number, a quoted decimal or a date")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise RuleError(f"'{key}' {value!r} is not a number") from None


def _comparable(value: Any, bound: Any) -> Any:
    if type(value) is type(bound):  # why: the common case, decided by one cheap test
        return value
    if isinstance(bound, Decimal) and isinstance(value, int | str) and not isinstance(value, bool):
        return Decimal(value)
    return value


def compile_checks(required: bool, validate: Any) -> Callable[..., Any] | None:
    """Return the field's check, or None when there is nothing to check.

    The check is shaped like a transform step, ``check(value, row=None) -> value``, so
    the engine appends it to the pipeline without a wrapper; it raises ValueError.
    """
    if not isinstance(validate, dict):
        raise RuleError("must be a mapping of rules")
    unknown = set(validate) - _RULE_KEYS
    if unknown:
        raise RuleError(
            f"unknown rule {sorted(unknown)[0]!r} (known: {', '.join(sorted(_RULE_KEYS))})"
        )
    try:
        pattern = re.compile(str(validate["regex"])) if "regex" in validate else None
    except re.error as exc:
        raise RuleError(f"regex does not compile: {exc}") from None
    low = _bound(validate["min"], "min") if "min" in validate else None
    high = _bound(validate["max"], "max") if "max" in validate else None
    allowed = validate.get("one_of")
    if allowed is not None and not isinstance(allowed, list):
        raise RuleError("'one_of' must be a list")
    checks = _value_checks(pattern, low, high, allowed)
    if not (required or checks):
        return None

    if len(checks) == 1:  # why: one rule is the common case; skip the loop
        [rule] = checks

        def check_one(value: Any, _row: Any = None) -> Any:
            if value is None or (type(value) is str and not value):
                if required:
                    raise ValueError("required value is missing")
                return value
            rule(value)
            return value

        return check_one

    def check(value: Any, _row: Any = None) -> Any:
        if value is None or (type(value) is str and not value):
            if required:
                raise ValueError("required value is missing")
            return value
        for rule in checks:
            rule(value)
        return value

    return check


def _value_checks(
    pattern: re.Pattern | None, low: Any, high: Any, allowed: list | None
) -> list[Callable[[Any], None]]:
    """Return one small function per rule present, so absent rules cost nothing."""
    checks: list[Callable[[Any], None]] = []
    if pattern is not None:

        def match(value: Any) -> None:
            if not pattern.fullmatch(value if type(value) is str else str(value)):
                raise ValueError(f"{value!r} does not match /{pattern.pattern}/")

        checks.append(match)
    if low is not None:

        def at_least(value: Any) -> None:
            if _comparable(value, low) < low:
                raise ValueError(f"{value} is below the minimum {low}")

        checks.append(at_least)
    if high is not None:

        def at_most(value: Any) -> None:
            if _comparable(value, high) > high:
                raise ValueError(f"{value} is above the maximum {high}")

        checks.append(at_most)
    if allowed is not None:

        def member(value: Any) -> None:
            if value not in allowed:
                raise ValueError(f"{value!r} is not one of {allowed}")

        checks.append(member)
    return checks
