"""Readers that turn a file's bytes into ``(line, row)`` pairs plus a source resolver.

Each format yields rows of its own shape (a list of cells, a text line, an XML element, a
JSON object) and a *resolver* that turns a field's ``source`` into a getter
``row -> raw value``. The engine never looks inside a row itself, so adding a format is a
reader here, not a change to the engine. Readers stream: a 1M-line CSV is decoded and
split lazily, never held twice in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

Getter = Callable[[Any], Any]


class SourceError(ValueError):
    """The file cannot be read against this mapping (missing column, bad XML ...)."""

    def __init__(self, message: str, *, line: int = 0, field: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Prepared:
    rows: Iterator[tuple[int, Any]]
    resolve: Callable[[Any], Getter]


def _text_stream(data: Any, encoding: str) -> Iterable[str]:
    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    if hasattr(data, "read"):
        return io.TextIOWrapper(data, encoding=encoding, newline="")
    return data  # already an iterable of text lines / rows


def _csv_lines(opts: dict, data: Any) -> Iterator[tuple[int, list[Any]]]:
    if isinstance(data, bytes | bytearray) or hasattr(data, "read"):
        reader = csv.reader(
            _text_stream(data, opts.get("encoding", "utf-8-sig")),
            delimiter=opts.get("delimiter", ","),
            quotechar=opts.get("quotechar", '"'),
        )
        # zip with the reader's own counter: line_num is the *physical* line number
        # why: blank rows are dropped here, in the one generator the hot path goes through
        return ((reader.line_num, row) for row in reader if row and any(row))
    return ((n, list(row)) for n, row in enumerate(data, start=1) if row and any(row))


def _excel_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        # why: openpyxl hands numbers over as binary floats; repr() is the shortest text
        # that round-trips, i.e. what the sheet showed. Decimal takes it from there.
        return repr(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, date):
        return value
    return str(value)


def _xlsx_lines(opts: dict, data: Any) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # why: heavy import, only xlsx mappings pay it

    if not isinstance(data, bytes | bytearray):
        return ((n, list(row)) for n, row in enumerate(data, start=1) if row and any(row))
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book[opts["sheet"]] if opts.get("sheet") else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    cells = ((n, [_excel_cell(c) for c in row]) for n, row in enumerate(rows, start=1))
    return ((n, row) for n, row in cells if any(row))


def _tabular(opts: dict, lines: Iterator[tuple[int, list[Any]]]) -> Prepared:
    if opts.get("skip_rows"):
        lines = itertools.islice(lines, int(opts["skip_rows"]), None)
    header: dict[str, int] = {}
    header_line = 0
    if opts.get("header", True):
        found = next((item for item in lines if any(item[1])), None)
        if found is None:
            raise SourceError("file is empty: no header row")
        header_line, cells = found
        header = {str(c).strip().lower(): i for i, c in enumerate(cells)}

    def resolve(source: Any) -> Getter:
        if isinstance(source, int):
            return operator.itemgetter(source - 1)
        key = str(source).strip().lower()
        if key not in header:
            raise SourceError(f"column {source!r} not in header", line=header_line)
        return operator.itemgetter(header[key])

    return Prepared(lines, resolve)


def _fixed_width(opts: dict, data: Any) -> Prepared:
    lines = _text_stream(data, opts.get("encoding", "ascii"))
    numbered = itertools.islice(enumerate(lines, start=1), int(opts.get("skip_rows", 0)), None)
    select = opts.get("select")
    rows: Iterator[tuple[int, Any]] = (
        (n, line.rstrip("\r\n")) for n, line in numbered if line.strip("\r\n ")
    )
    if select:
        start, stop = select["start"] - 1, select["start"] - 1 + select["length"]
        wanted = set(select["in"]) if "in" in select else {select["equals"]}
        rows = ((n, line) for n, line in rows if line[start:stop] in wanted)

    def resolve(source: Any) -> Getter:
        start, length = (source["start"], source["length"]) if isinstance(source, dict) else source
        return lambda line: line[start - 1 : start - 1 + length]

    return Prepared(rows, resolve)


def _xml_value(found: Any) -> Any:
    if isinstance(found, list):
        found = found[0] if found else None
    if found is None or isinstance(found, str):
        return None if found is None else str(found)
    if isinstance(found, float):  # count() / number(): not money, but never a float
        return repr(found)
    if isinstance(found, bool):
        return found
    return "".join(found.itertext())


def _xml(opts: dict, data: Any) -> Prepared:
    if not isinstance(data, bytes | bytearray):
        raise SourceError("an XML mapping reads bytes")
    # why: DESIGN.md: XML is parsed without entities or network access
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not well-formed XML: {exc}") from None
    namespaces = opts.get("namespaces") or {}
    records = root.xpath(opts["record_xpath"], namespaces=namespaces)
    rows = ((el.sourceline or n, el) for n, el in enumerate(records, start=1))

    def resolve(source: Any) -> Getter:
        compiled = etree.XPath(str(source), namespaces=namespaces)
        return lambda el: _xml_value(compiled(el))

    return Prepared(rows, resolve)


def parse_json_path(path: str) -> list[str | int]:
    """Return the steps of ``$.a.b[0].c`` / ``a.b.0.c``: keys as str, indexes as int."""
    text = path.strip().removeprefix("$").lstrip(".").replace("[", ".").replace("]", "")
    return [int(p) if p.isdigit() else p for p in text.split(".") if p]


def _walk(value: Any, steps: list[str | int]) -> Any:
    for step in steps:
        if isinstance(step, int) and isinstance(value, list):
            value = value[step] if step < len(value) else None
        elif isinstance(value, dict):
            value = value.get(str(step))
        else:
            return None
    return value


def _json(opts: dict, data: Any) -> Prepared:
    if isinstance(data, bytes | bytearray | str):
        try:
            doc = json.loads(data, parse_float=Decimal)  # amounts never pass through float
        except ValueError as exc:
            raise SourceError(f"not valid JSON: {exc}") from None
        records = _walk(doc, parse_json_path(opts.get("records", "$")))
        if not isinstance(records, list):
            raise SourceError(f"records path {opts.get('records', '$')!r} is not a list")
    else:
        records = data
    rows = ((n, rec) for n, rec in enumerate(records, start=1))

    def resolve(source: Any) -> Getter:
        steps = parse_json_path(str(source))
        return lambda rec: _walk(rec, steps)

    return Prepared(rows, resolve)


def prepare(fmt: str, opts: dict, data: Any) -> Prepared:
    """Return the rows and resolver for ``data`` read as ``fmt``; raise SourceError."""
    if fmt == "csv":
        return _tabular(opts, _csv_lines(opts, data))
    if fmt == "xlsx":
        return _tabular(opts, _xlsx_lines(opts, data))
    if fmt == "fixed_width":
        return _fixed_width(opts, data)
    if fmt == "xml":
        return _xml(opts, data)
    return _json(opts, data)


def decode_check(encoding: str) -> None:
    """Raise LookupError if ``encoding`` is unknown (checked when a mapping loads)."""
    codecs.lookup(encoding)
