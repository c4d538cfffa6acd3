"""The transform vocabulary of mapping files, compiled once into closures.

A transform spec in YAML is a bare name (``strip``) or a one-key dict
(``date: {formats: ["%d/%m/%Y"]}``). :func:`compile_step` turns it into a :class:`Step`:
``bind(resolve)`` returns the forward function ``f(value, row) -> value`` (``resolve``
gives getters for other source columns, needed by ``concat`` and ``when``), and
``inverse`` renders a canonical value back into file text, or is None when the step
cannot be reversed. Forward functions raise ValueError with a message fit for operations;
the engine turns it into a RecordError naming mapping, line and field.

Empty text ("") and None are both "no value": most steps pass them through as None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lms_core.money import from_paise, to_paise

Row = Any
Forward = Callable[[Any, Row], Any]
Getter = Callable[[Row], Any]
Resolver = Callable[[Any], Getter]
_DATE_CACHE_LIMIT = 20_000  # statements repeat a few hundred dates; bound memory anyway


class StepError(ValueError):
    """A transform spec is invalid; ``where`` is appended to the mapping key path."""


@dataclass(frozen=True)
class Step:
    name: str
    bind: Callable[[Resolver], Forward]
    inverse: Callable[[Any], Any] | None
    # True when the step ignores surrounding whitespace itself, so a ``strip`` just before
    # it can be dropped at compile time (one call less per field per record).
    strips_padding: bool = False


def _fixed(fn: Forward) -> Callable[[Resolver], Forward]:
    return lambda _resolve: fn


def _identity(value: Any) -> Any:
    return value


def _strip(v: Any, _row: Row) -> Any:
    return v.strip() if isinstance(v, str) else v


def _upper(v: Any, _row: Row) -> Any:
    return v.upper() if isinstance(v, str) else v


def _lower(v: Any, _row: Row) -> Any:
    return v.lower() if isinstance(v, str) else v


def _as_list(args: Any, key: str) -> list[str]:
    if isinstance(args, str):
        return [args]
    if isinstance(args, dict):
        args = args.get(key)
    if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
        raise StepError(f"needs '{key}': a non-empty list of strings")
    return args


def _date(args: Any) -> Step:
    formats = _as_list(args, "formats")
    cache: dict[Any, date | None] = {}

    def parse_uncached(v: Any) -> date:
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        v = v.strip()
        if not v:
            return None
        for fmt in formats:
            try:
                return datetime.strptime(v, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"date {v!r} does not match {' or '.join(formats)}")

    def forward(v: Any, _row: Row) -> date | None:
        if v is None or v == "":
            return None
        found = cache.get(v, _MISSING)
        if found is _MISSING:
            found = parse_uncached(v)
            if len(cache) < _DATE_CACHE_LIMIT:
                cache[v] = found
        return found

    def inverse(v: Any) -> str:
        return v.strftime(formats[0]) if isinstance(v, date) else v

    return Step("date", _fixed(forward), inverse, strips_padding=True)


def _blank_amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise StepError("'blank' must be a quoted decimal, e.g. \"0\"")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise StepError(f"'blank' {value!r} is not a number") from None


def _non_text_amount(v: Any) -> Decimal | None:
    if v is None:
        return None
    if isinstance(v, Decimal | int) and not isinstance(v, bool):
        return Decimal(v)
    raise ValueError(f"amount {v!r} is not text or a decimal")


def _decimal(args: Any) -> Step:
    opts = args if isinstance(args, dict) else {}
    thousands = str(opts.get("thousands", ","))
    places = int(opts.get("places", 2))
    quantum = Decimal(1).scaleb(-places)
    blank = _blank_amount(opts.get("blank"))

    def forward(v: Any, _row: Row) -> Decimal | None:
        if type(v) is not str:  # why: exact type test first; text is the hot path
            return _non_text_amount(v)
        if not v:
            return blank
        try:
            # Decimal() itself ignores surrounding whitespace
            result = Decimal(v.replace(thousands, "") if thousands else v)
        except InvalidOperation:
            if not v.strip():
                return blank
            raise ValueError(f"amount {v!r} is not a number") from None
        if not result.is_finite():
            raise ValueError(f"amount {v!r} is not a finite number")
        return result

    def inverse(v: Any) -> Any:
        if not isinstance(v, Decimal | int):
            return v
        fixed = Decimal(v).quantize(quantum)
        if fixed != v:  # why: rendering must not round silently; rounding is the core's job
            raise ValueError(f"amount {v} has more than {places} decimal places")
        return f"{fixed:f}"

    return Step("decimal", _fixed(forward), inverse, strips_padding=True)


def _integer(_args: Any) -> Step:
    def forward(v: Any, _row: Row) -> int | None:
        if v is None or v == "":
            return None
        try:
            return int(v)
        except (TypeError, ValueError):
            raise ValueError(f"{v!r} is not a whole number") from None

    return Step("integer", _fixed(forward), lambda v: str(v) if isinstance(v, int) else v)


def _paise_to_rupees(_args: Any) -> Step:
    def forward(v: Any, _row: Row) -> Decimal | None:
        if v is None or v == "":
            return None
        try:
            return from_paise(int(v))
        except (TypeError, ValueError):
            raise ValueError(f"paise {v!r} is not a whole number") from None

    return Step("paise_to_rupees", _fixed(forward), lambda v: str(to_paise(v)))


def _rupees_to_paise(_args: Any) -> Step:
    def forward(v: Any, _row: Row) -> int | None:
        return None if v is None or v == "" else to_paise(v)

    return Step("rupees_to_paise", _fixed(forward), lambda v: from_paise(int(v)))


def _default(args: Any) -> Step:
    if isinstance(args, float):
        raise StepError("default must not be a float; quote it")

    def forward(v: Any, _row: Row) -> Any:
        return args if v is None or v == "" else v

    return Step("default", _fixed(forward), _identity)


def _regex(args: Any) -> Step:
    opts = args if isinstance(args, dict) else {"pattern": args}
    try:
        pattern = re.compile(str(opts["pattern"]))
    except (KeyError, re.error) as exc:
        raise StepError(f"needs a valid 'pattern': {exc}") from None
    group = opts.get("group", 1 if pattern.groups else 0)
    if not isinstance(group, int | str):
        raise StepError("'group' must be a number or a group name")

    def forward(v: Any, _row: Row) -> Any:
        if v is None or v == "":
            return None
        found = pattern.search(v)
        if found is None:
            raise ValueError(f"{v!r} does not match /{pattern.pattern}/")
        return found.group(group)

    return Step("regex", _fixed(forward), _identity)


def _concat(args: Any) -> Step:
    sources = args.get("sources") if isinstance(args, dict) else None
    if not isinstance(sources, list) or not sources:
        raise StepError("needs 'sources': a list of sources to append")
    sep = str(args.get("sep", " "))

    def bind(resolve: Resolver) -> Forward:
        getters = [resolve(s) for s in sources]

        def forward(v: Any, row: Row) -> Any:
            parts = [v, *(g(row) for g in getters)]
            return sep.join(str(p).strip() for p in parts if p is not None and p != "")

        return forward

    return Step("concat", bind, None)


def _when(args: Any) -> Step:
    """Keep the value only when another column holds one of ``in``; else ``else``."""
    if not isinstance(args, dict) or "source" not in args or "in" not in args:
        raise StepError("needs 'source' and 'in' (list of accepted values)")
    accepted = {str(a).strip().upper() for a in _as_list(args, "in")}
    otherwise = args.get("else")

    def bind(resolve: Resolver) -> Forward:
        other = resolve(args["source"])

        def forward(v: Any, row: Row) -> Any:
            flag = other(row)
            return v if str(flag or "").strip().upper() in accepted else otherwise

        return forward

    return Step("when", bind, None)


def _lookup(args: Any, tables: dict[str, dict[str, Any]]) -> Step:
    if not isinstance(args, dict):
        raise StepError("needs 'table: <name>' or 'values: {code: value}'")
    if "table" in args:
        if args["table"] not in tables:
            raise StepError(f"unknown table {args['table']!r}")
        table = tables[args["table"]]
    elif isinstance(args.get("values"), dict):
        table = {str(k): v for k, v in args["values"].items()}
    else:
        raise StepError("needs 'table: <name>' or 'values: {code: value}'")
    has_default, fallback = "default" in args, args.get("default")
    reverse = {v: k for k, v in table.items()}

    def forward(v: Any, _row: Row) -> Any:
        if v is None or v == "":
            return None
        found = table.get(v, fallback if has_default else _MISSING)
        if found is _MISSING:
            raise ValueError(f"code {v!r} is not in the code table")
        return found

    def inverse(v: Any) -> Any:
        if v is None or v == "":
            return v
        if v not in reverse:
            raise ValueError(f"value {v!r} has no code in the code table")
        return reverse[v]

    return Step("lookup", _fixed(forward), inverse if len(reverse) == len(table) else None)


_MISSING = object()
_SIMPLE = {
    "strip": lambda _a: Step("strip", _fixed(_strip), _identity),
    "upper": lambda _a: Step("upper", _fixed(_upper), _identity),
    "lower": lambda _a: Step("lower", _fixed(_lower), _identity),
    "date": _date,
    "decimal": _decimal,
    "integer": _integer,
    "paise_to_rupees": _paise_to_rupees,
    "rupees_to_paise": _rupees_to_paise,
    "default": _default,
    "regex": _regex,
    "concat": _concat,
    "when": _when,
}
TRANSFORM_NAMES = (*sorted(_SIMPLE), "lookup")


def compile_step(spec: Any, tables: dict[str, dict[str, Any]]) -> Step:
    """Return the Step for one YAML transform spec; raise StepError if it is invalid."""
    if isinstance(spec, str):
        name, args = spec, None
    elif isinstance(spec, dict) and len(spec) == 1:
        [(name, args)] = spec.items()
    else:
        raise StepError("a transform is a name or a one-key mapping {name: options}")
    if name == "lookup":
        return _lookup(args, tables)
    if name not in _SIMPLE:
        raise StepError(f"unknown transform {name!r} (known: {', '.join(TRANSFORM_NAMES)})")
    return _SIMPLE[name](args)
