"""The small base every wire format implements, and the registry that finds them by slug.

A *format* turns bytes into typed records and typed errors, and (when writable) typed
records back into bytes. Parsers never raise on bad input: every problem becomes a
:class:`RecordError` value naming the source, the line (or record number) and the field,
so one run reports every problem in a file. Writers raise :class:`FormatWriteError` for
records that cannot be represented (a programming error upstream, not bad input).

Formats register by slug through the ``sangam.formats`` entry-point group
(``slug = "pkg.module:Class"`` in ``pyproject.toml``), ours and third parties' alike, and
are loaded on the first lookup of a slug; :meth:`FormatRegistry.register` adds one at
run time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any, ClassVar

ENTRY_POINT_GROUP = "sangam.formats"

#: ``line`` value of an error about the file as a whole (totals, missing header ...).
FILE_LEVEL = 0


class FormatWriteError(ValueError):
    """Records cannot be written in this format (a value too wide, totals disagree ...)."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """One problem found while parsing: where it is, which field, and what is wrong.

    ``line`` is 1-based (a line for text formats, a record or element number for XML and
    statements); :data:`FILE_LEVEL` (0) marks a problem with the file as a whole.
    """

    source: str
    line: int
    field: str
    message: str
    raw: str | None = None

    def __str__(self) -> str:
        where = "file" if self.line == FILE_LEVEL else f"line {self.line}"
        return f"{self.source}: {where}: {self.field}: {self.message}"


class ControlCheck(StrEnum):
    """Outcome of the file's own control totals (header totals, balance equations)."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parse returns: the header (if the format has one), records, errors, control.

    ``ok`` is False when any error was found or a control total failed; a consumer that
    must reject a file whole (NACH control totals) checks ``control``.
    """

    header: Any
    records: tuple[Any, ...]
    errors: tuple[RecordError, ...] = ()
    control: ControlCheck = ControlCheck.NOT_APPLICABLE

    @property
    def ok(self) -> bool:
        return not self.errors and self.control is not ControlCheck.FAILED


class Format(ABC):
    """A wire format: declarative attributes plus ``parse``.

    Subclasses set ``slug`` (registry key), ``media_type`` and ``description``.
    """

    slug: ClassVar[str]
    media_type: ClassVar[str]
    description: ClassVar[str] = ""

    @abstractmethod
    def parse(self, data: bytes, *, source: str) -> ParseResult:
        """Return the records and errors found in ``data``; never raises on bad input."""


class WritableFormat(Format):
    """A format that can also produce bytes (presentation files, sandbox statements)."""

    @abstractmethod
    def write(self, records: Sequence[Any], *, header: Any = None, **options: Any) -> bytes:
        """Return ``records`` (and ``header``) as bytes; raises :class:`FormatWriteError`."""


@dataclass(slots=True)
class FormatRegistry:
    """Formats by slug: built-ins, explicit registrations, then entry points."""

    _formats: dict[str, type[Format]] = field(default_factory=dict)

    def register(self, cls: type[Format]) -> type[Format]:
        """Register ``cls`` under its slug and return it (usable as a decorator)."""
        self._formats[cls.slug] = cls
        return cls

    def get(self, slug: str) -> Format:
        """Return a new instance of the format ``slug``; raises ``KeyError`` if unknown."""
        cls = self._formats.get(slug) or self._load(slug)
        return cls()

    def slugs(self) -> tuple[str, ...]:
        """Return every known slug (registered, or named by an entry point, not yet loaded)."""
        found = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
        return tuple(sorted(set(self._formats) | found))

    def _load(self, slug: str) -> type[Format]:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == slug]
        if not found:
            raise KeyError(f"no format registered under {slug!r}")
        return self.register(found[0].load())


registry = FormatRegistry()


def get_format(slug: str) -> Format:
    """Return an instance of the format registered as ``slug`` (raises ``KeyError``)."""
    return registry.get(slug)
