"""Writing files with a mapping: canonical dicts back to a counterpart's CSV layout.

The same mapping that reads a file writes it: every transform knows its inverse (a date
is formatted with its first format, an amount rendered with its ``places``, a code table
looked up backwards) and the steps run in reverse order. A mapping with a step that cannot
be reversed (``concat``, ``when``) refuses to write with a MappingError. A record that
cannot be rendered (an amount with a fraction of a paisa, an unknown code) is left out
and reported as a RecordError, the same value the reader returns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mappings.engine import (
    FIELD_ERRORS,
    FieldSpec,
    Format,
    Mapping,
    MappingError,
    RecordError,
    error_message,
)


def _inverse(mapping: Mapping, spec: FieldSpec) -> Callable[[Any], Any]:
    inverses = []
    for step in reversed(spec.steps):
        if step.inverse is None:
            raise MappingError(
                f"mapping {mapping.name!r}: fields.{spec.name}: transform {step.name!r} "
                "cannot be reversed, so this mapping cannot write files"
            )
        inverses.append(step.inverse)

    def render(value: Any) -> str:
        if spec.check is not None:
            spec.check(value)
        for inverse in inverses:
            if value is None or value == "":
                break
            value = inverse(value)
        return "" if value is None else str(value)

    return render


def _columns(mapping: Mapping) -> tuple[list[str], list[int]]:
    named = [f for f in mapping.fields if isinstance(f.source, str)]
    if len(named) == len(mapping.fields):
        return [f.source for f in named], list(range(len(named)))
    if named:
        raise MappingError(
            f"mapping {mapping.name!r}: mixes column names and indexes; cannot write"
        )
    positions = [f.source - 1 for f in mapping.fields]
    return [f.name for f in mapping.fields], positions


def render_rows(
    mapping: Mapping, records: Iterable[dict[str, Any]]
) -> Iterator[list[str] | RecordError]:
    """Yield the header row (if the mapping has one) then one row per canonical record.

    A record that cannot be rendered yields RecordError (``line`` = 1-based record number)
    instead of a row. Raises MappingError if the mapping is not csv or not reversible.
    """
    if mapping.format is not Format.CSV:
        raise MappingError(f"mapping {mapping.name!r}: only csv mappings can write files")
    renderers = [(f.name, _inverse(mapping, f)) for f in mapping.fields]
    header, positions = _columns(mapping)
    width = max(positions) + 1
    if mapping.options.get("header", True):
        yield header
    for number, record in enumerate(records, start=1):
        row = [""] * width
        try:
            for (field, render), pos in zip(renderers, positions, strict=True):
                row[pos] = render(record.get(field))
        except FIELD_ERRORS as exc:
            yield RecordError(mapping.name, number, field, error_message(exc))
            continue
        yield row


@dataclass(frozen=True)
class WriteResult:
    data: bytes
    rows: int
    errors: tuple[RecordError, ...]


def write_csv(mapping: Mapping, records: Iterable[dict[str, Any]]) -> WriteResult:
    """Return the CSV bytes for ``records`` plus the records left out, as errors."""
    opts = mapping.options
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=opts.get("delimiter", ","),
        quotechar=opts.get("quotechar", '"'),
        lineterminator=opts.get("line_terminator", "\n"),
    )
    errors: list[RecordError] = []
    rows = 0
    for item in render_rows(mapping, records):
        if isinstance(item, RecordError):
            errors.append(item)
        else:
            writer.writerow(item)
            rows += 1
    encoding = opts.get("encoding", "utf-8")
    return WriteResult(buffer.getvalue().encode(encoding), rows, tuple(errors))
