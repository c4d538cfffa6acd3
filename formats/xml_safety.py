"""Safe XML reading for every XML format: no DTD, no entities, no network, no huge trees.

Partner XML is untrusted. Documents carrying a DOCTYPE or an ENTITY declaration are
refused before parsing (the billion-laughs and XXE attacks both need one), and the lxml
parser is configured so that even a declaration that slipped past would not be loaded,
resolved or fetched. Problems come back as :class:`~formats.base.RecordError` values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from formats.base import RecordError

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def declaration_error(data: bytes, source: str) -> RecordError | None:
    """Return an error if ``data`` declares a DOCTYPE / ENTITY (or is not 8-bit XML)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return RecordError(source, 0, "xml", "UTF-16/32 documents are not accepted")
    found = _DECLARATION.search(data)
    if found is None:
        return None
    line = data.count(b"\n", 0, found.start()) + 1
    kind = found.group(1).decode().upper()
    return RecordError(source, line, "xml", f"{kind} declarations are refused")


def safe_parser() -> etree.XMLParser:
    """Return an lxml parser that loads no DTD, resolves no entity, touches no network."""
    return etree.XMLParser(remove_blank_text=False, **_SAFE)


def parse_document(data: bytes, source: str) -> tuple[etree._Element | None, RecordError | None]:
    """Return the root element of ``data``, or None and the error that stopped parsing."""
    refused = declaration_error(data, source)
    if refused is not None:
        return None, refused
    try:
        return etree.fromstring(data, safe_parser()), None
    except etree.XMLSyntaxError as exc:
        return None, RecordError(source, exc.lineno or 0, "xml", f"malformed XML: {exc.msg}")


def iterparse_safe(data_file: BinaryIO, tag: str | tuple[str, ...]) -> Iterator[etree._Element]:
    """Yield each completed element named ``tag`` from a binary file object, safely.

    The caller clears what it has read (see :func:`release`); XMLSyntaxError propagates
    so the caller can record it with the line it reports.
    """
    events = etree.iterparse(data_file, events=("end",), tag=tag, **_SAFE)
    for _event, element in events:
        yield element


def release(element: etree._Element) -> None:
    """Free ``element`` and the siblings already read, keeping memory flat while streaming."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def local(element: etree._Element) -> str:
    """Return the element's name without its namespace."""
    return etree.QName(element).localname
