"""XSD-style checks for XML messages written as data, and small build / read helpers.

A :class:`Rules` value lists, by path from the message element (``GrpHdr/MsgId``):
mandatory elements, maximum lengths, allowed values, and groups of which exactly one
must be present (``ColltnAmt`` | ``MaxAmt``). :func:`check` returns one
:class:`~formats.base.RecordError` per violation (every missing element, not just the
first), with the element's source line when it has one. Writers run the same rules on
what they built, so a message we send could also be accepted by our own parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from formats.base import FormatWriteError, RecordError


@dataclass(frozen=True, slots=True)
class Rules:
    required: tuple[str, ...] = ()
    max_lengths: Mapping[str, int] = field(default_factory=dict)
    allowed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    exactly_one: tuple[tuple[str, ...], ...] = ()


def find(element: Any, path: str) -> Any:
    """Return the element at ``path`` (local names, any namespace), or None."""
    return element.find("{*}" + path.replace("/", "/{*}"))


def text(element: Any, path: str) -> str:
    """Return the stripped text at ``path``, "" when absent."""
    found = find(element, path)
    return (found.text or "").strip() if found is not None else ""


def check(message: Any, rules: Rules, *, source: str, root: str) -> list[RecordError]:
    """Return every rule ``message`` breaks; ``root`` prefixes paths in the errors."""
    line = getattr(message, "sourceline", None) or 0
    errors = []

    def add(path: str, problem: str, at: Any = None) -> None:
        where = getattr(at, "sourceline", None) or line
        errors.append(RecordError(source, where, f"{root}/{path}", problem))

    for path in rules.required:
        if not text(message, path):
            add(path, "missing")
    for path, limit in rules.max_lengths.items():
        value = text(message, path)
        if len(value) > limit:
            add(path, f"{len(value)} characters, at most {limit}", find(message, path))
    for path, values in rules.allowed.items():
        value = text(message, path)
        if value and value not in values:
            add(path, f"{value!r} not one of {', '.join(sorted(values))}", find(message, path))
    for group in rules.exactly_one:
        present = [p for p in group if find(message, p) is not None]
        if len(present) != 1:
            add(" | ".join(group), f"exactly one required, found {len(present)}")
    return errors


def add(parent: Any, namespace: str, path: str, value: str | None = None, **attrs: str) -> Any:
    """Append the elements of ``path`` under ``parent`` and return the last one."""
    element = parent
    for name in path.split("/"):
        element = etree.SubElement(element, f"{{{namespace}}}{name}")
    if value is not None:
        element.text = value
    for key, attr in attrs.items():
        element.set(key, attr)
    return element


class FieldReader:
    """Reads typed values out of a message, collecting an error per unreadable field."""

    def __init__(self, message: Any, *, source: str, root: str) -> None:
        self.message, self.source, self.root = message, source, root
        self.errors: list[RecordError] = []

    def text(self, path: str) -> str:
        return text(self.message, path)

    def convert(self, path: str, convert: Any, *, optional: bool = False) -> Any:
        """Return ``convert(text)``; None (plus an error unless optional and empty) if not."""
        value = self.text(path)
        if not value and optional:
            return None
        try:
            return convert(value)
        except (ValueError, KeyError, ArithmeticError) as exc:
            found = find(self.message, path)
            line = getattr(found, "sourceline", None) or self.message.sourceline or 0
            problem = f"cannot read {value!r}: {exc}" if value else "missing"
            self.errors.append(RecordError(self.source, line, f"{self.root}/{path}", problem))
            return None


def finish(root: Any, message: Any, rules: Rules) -> bytes:
    """Return the document's bytes; raises FormatWriteError listing every rule broken."""
    errors = check(message, rules, source="writer", root=etree.QName(message).localname)
    if errors:
        raise FormatWriteError("; ".join(f"{e.field}: {e.message}" for e in errors))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
