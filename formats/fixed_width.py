"""Fixed-width record layouts as data, and the one function that renders a record.

A layout is a tuple of :class:`Field` (1-based inclusive ``start`` as partner specs write
it, ``length``, ``kind``). Numeric fields are zero padded on the left and never truncated;
alphanumeric fields are space padded on the right and truncated only where the layout
says so (names, narrations); fillers are spaces. Anything that does not fit raises
:class:`~formats.base.FormatWriteError`: a writer must never silently corrupt an id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from formats.base import FormatWriteError


class FieldKind(StrEnum):
    NUMERIC = "numeric"
    ALPHA = "alpha"
    FILLER = "filler"


@dataclass(frozen=True, slots=True)
class Field:
    """One column range of a fixed-width record."""

    name: str
    start: int
    length: int
    kind: FieldKind
    truncate: bool = False

    @property
    def stop(self) -> int:
        """The last position (1-based, inclusive)."""
        return self.start + self.length - 1

    @property
    def slice(self) -> slice:
        return slice(self.start - 1, self.stop)


def slices(fields: Iterable[Field]) -> tuple[slice, ...]:
    """Return the Python slices of ``fields``, for an ``operator.itemgetter``."""
    return tuple(f.slice for f in fields)


def check_layout(layout: tuple[Field, ...], width: int) -> list[str]:
    """Return the gaps / overlaps in ``layout`` (empty when it tiles 1..width exactly)."""
    problems, position = [], 1
    for field in layout:
        if field.start != position:
            problems.append(f"{field.name} starts at {field.start}, expected {position}")
        position = field.stop + 1
    if position != width + 1:
        problems.append(f"layout ends at {position - 1}, expected {width}")
    return problems


def cell(field: Field, value: str) -> str:
    """Return ``value`` padded to ``field``; raises FormatWriteError if it cannot fit."""
    if field.kind is FieldKind.FILLER:
        return " " * field.length
    if not (value.isascii() and value.isprintable()):
        raise FormatWriteError(f"{field.name}: non-ASCII or control character in {value!r}")
    if field.kind is FieldKind.NUMERIC:
        if not value.isdigit():
            raise FormatWriteError(f"{field.name}: not a whole number: {value!r}")
        if len(value) > field.length:
            raise FormatWriteError(f"{field.name}: {value} wider than {field.length} digits")
        return value.zfill(field.length)
    if len(value) > field.length and not field.truncate:
        raise FormatWriteError(f"{field.name}: {value!r} wider than {field.length}")
    return value[: field.length].ljust(field.length)


def render(layout: tuple[Field, ...], values: Mapping[str, str], width: int) -> str:
    """Return one record: every field of ``layout`` from ``values`` (missing = blank)."""
    line = "".join(cell(f, values.get(f.name, "")) for f in layout)
    if len(line) != width:
        raise FormatWriteError(f"layout renders {len(line)} characters, expected {width}")
    return line
