"""The mapping engine: load a declarative mapping file, apply it to a file, or write one.

A mapping (YAML, see docs/MAPPINGS.md) names a counterpart's layout: its ``format`` and
format ``options``, and for each canonical field a ``source``, a ``transforms`` pipeline,
``required`` and ``validate`` rules. :func:`load_mapping` checks all of it up front and
raises :class:`MappingError` naming the mapping and the offending key. At apply time each
field is compiled once into a closure (getter, steps, checks), so the per-record loop is a
few function calls per field with no regex compilation or lookups by name.

:func:`apply_mapping` yields :class:`MappedRecord` and :class:`RecordError` values: a bad
record costs only itself, never its neighbours. :func:`write_csv` runs the same mapping
backwards (see :mod:`mappings.writer`) for outbound files such as a partner's daily MIS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from mappings import rules
from mappings.sources import SourceError, decode_check, prepare
from mappings.transforms import Step, StepError, compile_step

MAPPINGS_DIR = Path(__file__).resolve().parent


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    FIXED_WIDTH = "fixed_width"
    XML = "xml"
    JSON = "json"


_OPTIONS = {
    Format.CSV: {"delimiter", "quotechar", "encoding", "header", "skip_rows", "line_terminator"},
    Format.XLSX: {"sheet", "header", "skip_rows"},
    Format.FIXED_WIDTH: {"encoding", "skip_rows", "select"},
    Format.XML: {"record_xpath", "namespaces"},
    Format.JSON: {"records"},
}
_TOP_KEYS = {"name", "version", "format", "description", "options", "tables", "fields"}
_FIELD_KEYS = {"source", "start", "length", "transforms", "required", "validate", "description"}


class MappingError(ValueError):
    """A mapping file is invalid, or cannot be used the way it was asked to be."""


class MappedRecord(NamedTuple):
    """One record in canonical form; ``line`` is where it started in the source file."""

    line: int
    values: dict[str, Any]


class RecordError(NamedTuple):
    """Why one record was not mapped: which mapping, line (0: whole file) and field."""

    mapping: str
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class FieldSpec:
    name: str
    source: Any  # column name | 1-based column index | (start, length) | XPath | JSON path
    steps: tuple[Step, ...]
    required: bool
    check: Callable[..., Any] | None  # (value, row=None) -> value; raises ValueError


@dataclass(frozen=True)
class Mapping:
    name: str
    version: str
    format: Format
    options: dict[str, Any]
    fields: tuple[FieldSpec, ...]
    description: str = ""


class _Loader(yaml.SafeLoader):
    """SafeLoader whose floats become Decimal: a mapping file can never inject a float."""


_Loader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", "")),
)


def mapping_path(counterpart: str, name: str) -> Path:
    """Return the path of ``mappings/<counterpart>/<name>.yaml`` shipped with Sangam."""
    return MAPPINGS_DIR / counterpart / f"{name}.yaml"


def load_mapping(source: str | Path | dict) -> Mapping:
    """Return the validated Mapping from a YAML path or an already-parsed dict.

    Raises MappingError naming the mapping and key, e.g.
    ``mapping 'hdfc': fields.debit.transforms[1]: unknown transform 'dec'``.
    """
    if isinstance(source, dict):
        doc, label = source, str(source.get("name", "<dict>"))
    else:
        path = Path(source)
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (OSError, yaml.YAMLError) as exc:
            raise MappingError(f"mapping file {path}: cannot read: {exc}") from None
        label = str(doc.get("name", path.stem)) if isinstance(doc, dict) else path.stem
    if not isinstance(doc, dict):
        raise MappingError(f"mapping {label!r}: the file must be a mapping of keys")
    return _Builder(label).build(doc)


class _Builder:
    """Validates one mapping document; every complaint carries the key path."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.header: object = True

    def fail(self, where: str, message: str) -> MappingError:
        return MappingError(f"mapping {self.label!r}: {where}: {message}")

    def build(self, doc: dict) -> Mapping:
        unknown = set(doc) - _TOP_KEYS
        if unknown:
            raise self.fail(
                sorted(unknown)[0], f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})"
            )
        for key in ("name", "version", "format", "fields"):
            if key not in doc:
                raise self.fail(key, "is required")
        try:
            fmt = Format(doc["format"])
        except ValueError:
            raise self.fail(
                "format", f"{doc['format']!r} is not one of {[f.value for f in Format]}"
            ) from None
        options = self.options(fmt, doc.get("options") or {})
        self.header = options.get("header", True)
        tables = self.tables(doc.get("tables") or {})
        fields = doc["fields"]
        if not isinstance(fields, dict) or not fields:
            raise self.fail("fields", "must map canonical field names to their sources")
        specs = tuple(self.field(fmt, name, spec, tables) for name, spec in fields.items())
        return Mapping(
            str(doc["name"]),
            str(doc["version"]),
            fmt,
            options,
            specs,
            str(doc.get("description", "")),
        )

    def options(self, fmt: Format, options: Any) -> dict[str, Any]:
        if not isinstance(options, dict):
            raise self.fail("options", "must be a mapping")
        for key in options:
            if key not in _OPTIONS[fmt]:
                raise self.fail(f"options.{key}", f"not an option of {fmt} mappings")
        if fmt is Format.XML and "record_xpath" not in options:
            raise self.fail("options.record_xpath", "is required for xml mappings")
        select = options.get("select")
        if select is not None and not (
            isinstance(select, dict)
            and isinstance(select.get("start"), int)
            and isinstance(select.get("length"), int)
            and ("equals" in select or isinstance(select.get("in"), list))
        ):
            raise self.fail("options.select", "needs start, length and equals (or in: [..])")
        if "encoding" in options:
            try:
                decode_check(options["encoding"])
            except LookupError:
                raise self.fail(
                    "options.encoding", f"unknown encoding {options['encoding']!r}"
                ) from None
        return dict(options)

    def tables(self, tables: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise self.fail("tables", "must map table names to {code: value} mappings")
        return {name: {str(k): v for k, v in table.items()} for name, table in tables.items()}

    def source(self, fmt: Format, name: str, spec: dict) -> Any:
        where = f"fields.{name}"
        if fmt is Format.FIXED_WIDTH:
            start, length = spec.get("start"), spec.get("length")
            if not (
                isinstance(start, int) and isinstance(length, int) and start >= 1 and length >= 1
            ):
                raise self.fail(where, "fixed_width fields need 'start' and 'length' (1-based)")
            return (start, length)
        src = spec.get("source")
        if isinstance(src, bool) or not isinstance(src, str | int) or src == "":
            raise self.fail(f"{where}.source", "is required (column name, 1-based index or path)")
        tabular = fmt in (Format.CSV, Format.XLSX)
        if isinstance(src, str) and tabular and self.header is False:
            raise self.fail(f"{where}.source", "a column name needs 'header: true'; use an index")
        if isinstance(src, int) and (src < 1 or not tabular):
            raise self.fail(f"{where}.source", "a column index is 1-based and only for csv/xlsx")
        return src

    def field(self, fmt: Format, name: str, spec: Any, tables: dict) -> FieldSpec:
        where = f"fields.{name}"
        if isinstance(spec, str | int) and not isinstance(spec, bool):
            spec = {"source": spec}
        if not isinstance(spec, dict):
            raise self.fail(where, "must be a source or a mapping with 'source'")
        unknown = set(spec) - _FIELD_KEYS
        if unknown:
            raise self.fail(f"{where}.{sorted(unknown)[0]}", "unknown key")
        source = self.source(fmt, name, spec)
        transforms = spec.get("transforms") or []
        if not isinstance(transforms, list):
            raise self.fail(f"{where}.transforms", "must be a list")
        steps = []
        for i, item in enumerate(transforms):
            try:
                steps.append(compile_step(item, tables))
            except StepError as exc:
                raise self.fail(f"{where}.transforms[{i}]", str(exc)) from None
        required = spec.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(f"{where}.required", "must be true or false")
        try:
            check = rules.compile_checks(required, spec.get("validate") or {})
        except rules.RuleError as exc:
            raise self.fail(f"{where}.validate", str(exc)) from None
        return FieldSpec(name, source, tuple(steps), required, check)


FIELD_ERRORS = (ValueError, ArithmeticError, LookupError, TypeError, AttributeError)


def error_message(exc: Exception) -> str:
    """Return the operations-facing text for a field failure."""
    if isinstance(exc, IndexError):
        return "row is too short: this field's column is missing"
    return str(exc) or type(exc).__name__


def _compile_field(spec: FieldSpec, resolve: Callable[[Any], Any]) -> Callable[[Any], Any]:
    getter = resolve(spec.source)
    steps = [
        step
        for step, after in pairwise((*spec.steps, None))
        if not (step.name == "strip" and after is not None and after.strips_padding)
    ]
    fns = [step.bind(resolve) for step in steps]
    if spec.check is not None:
        fns.append(spec.check)
    if not fns:
        return getter
    if len(fns) == 1:
        f0 = fns[0]
        return lambda row: f0(getter(row), row)
    if len(fns) == 2:
        f0, f1 = fns
        return lambda row: f1(f0(getter(row), row), row)
    # why: unrolled pipelines skip the loop; this is the per-record hot path
    if len(fns) == 3:
        f0, f1, f2 = fns
        return lambda row: f2(f1(f0(getter(row), row), row), row)
    if len(fns) == 4:
        f0, f1, f2, f3 = fns
        return lambda row: f3(f2(f1(f0(getter(row), row), row), row), row)

    def run(row: Any) -> Any:
        value = getter(row)
        for fn in fns:
            value = fn(value, row)
        return value

    return run


def apply_mapping(mapping: Mapping, data: Any) -> Iterator[MappedRecord | RecordError]:
    """Yield a MappedRecord or RecordError(s) per source record, in file order.

    ``data`` is the file's bytes, a binary file object (streamed), or already-split rows
    (lists of cells for csv/xlsx, text lines for fixed_width, dicts for json). A problem
    with the file as a whole (missing column, unreadable XML) is one RecordError with
    ``line`` at the header (0 when unknown) and ends the iteration.
    """
    field = ""
    try:
        prepared = prepare(mapping.format, mapping.options, data)
        compiled = []
        for spec in mapping.fields:
            field = spec.name
            compiled.append((field, _compile_field(spec, prepared.resolve)))
    except SourceError as exc:
        yield RecordError(mapping.name, exc.line, field, str(exc))
        return
    for line, row in prepared.rows:
        try:
            values = {field: fn(row) for field, fn in compiled}
        except FIELD_ERRORS:  # why: redo field by field so every problem is reported
            yield from _field_errors(mapping.name, line, row, compiled)
            continue
        yield MappedRecord(line, values)


def _field_errors(
    name: str, line: int, row: Any, compiled: list[tuple[str, Callable[[Any], Any]]]
) -> Iterator[RecordError]:
    for field, fn in compiled:
        try:
            fn(row)
        except FIELD_ERRORS as exc:
            yield RecordError(name, line, field, error_message(exc))


def partition(
    results: Iterable[MappedRecord | RecordError],
) -> tuple[list[MappedRecord], list[RecordError]]:
    """Return (records, errors) from :func:`apply_mapping`'s output."""
    records: list[MappedRecord] = []
    errors: list[RecordError] = []
    for item in results:
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors
