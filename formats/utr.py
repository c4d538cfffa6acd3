"""UTR / RRN extraction from bank narrations, with the patterns as configuration.

Escrow statements carry the payment reference inside free text: ``NEFT CR-<UTR>-<name>``,
``RTGS-<UTR>-...``, ``UPI/<rrn>/...``, ``IMPS/P2A/<rrn>/...``. The reference shapes are
*unconfirmed* (specs/bank_statements.md) and banks differ, so every shape is a
:class:`UtrPattern` (name, rail, regex with a ``utr`` group) and the patterns are an
ordered tuple tried in turn: narration shapes first (they also name the rail), then bare
references. :data:`DEFAULT_PATTERNS` is the default; a bank's own tuple (from mappings/
configuration, via :meth:`UtrPattern.from_mapping`) replaces it through :func:`patterns_for`.

Default shapes: NEFT 16 characters (4-letter bank code + ``N`` + YY + day of year DDD +
6 digits); RTGS 22 (bank code + ``R`` + channel character + YYYYMMDD + 8 digits); IMPS /
UPI 12-digit RRN (rail UNKNOWN when the narration does not say which).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DEFAULT_PATTERNS",
    "Rail",
    "UtrMatch",
    "UtrPattern",
    "extract_utr",
    "extract_utr_from",
    "patterns_for",
]


class Rail(StrEnum):
    NEFT = "NEFT"
    RTGS = "RTGS"
    IMPS = "IMPS"
    UPI = "UPI"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class UtrPattern:
    """One reference shape: ``regex`` must define a named group ``utr``."""

    name: str
    rail: Rail
    regex: str

    def search(self, text: str) -> str | None:
        """Return the upper-cased reference this pattern finds in ``text``, or None."""
        found = re.search(self.regex, text, re.IGNORECASE)  # re caches compiled patterns
        return found.group("utr").upper() if found else None

    @classmethod
    def from_mapping(cls, data: Mapping[str, str]) -> UtrPattern:
        """Return a pattern from configuration ``{name, rail, regex}``.

        Raises ValueError for an unknown rail, a bad regex or one without a ``utr`` group.
        """
        compiled = re.compile(data["regex"])
        if "utr" not in compiled.groupindex:
            raise ValueError(f"pattern {data['name']!r} has no (?P<utr>...) group")
        return cls(data["name"], Rail(data["rail"]), data["regex"])


@dataclass(frozen=True, slots=True)
class UtrMatch:
    utr: str
    rail: Rail
    pattern: str


_NEFT = r"[A-Z]{4}N\d{2}(?:00[1-9]|0[1-9]\d|[12]\d\d|3[0-5]\d|36[0-6])\d{6}"
_RTGS = r"[A-Z]{4}R[A-Z0-9]\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{8}"
_RRN = r"\d{12}"
_SEP = r"[\s/:-]*"

DEFAULT_PATTERNS: tuple[UtrPattern, ...] = (
    UtrPattern("neft_narration", Rail.NEFT, rf"\bNEFT{_SEP}(?:CR|DR)?{_SEP}(?P<utr>{_NEFT})\b"),
    UtrPattern("rtgs_narration", Rail.RTGS, rf"\bRTGS{_SEP}(?:CR|DR)?{_SEP}(?P<utr>{_RTGS})\b"),
    UtrPattern("upi_narration", Rail.UPI, rf"\bUPI[/-](?:(?:CR|DR)[/-])?(?P<utr>{_RRN})\b"),
    UtrPattern(
        "imps_narration", Rail.IMPS, rf"\bIMPS[/-](?:(?:P2A|P2P|CR|DR)[/-])?(?P<utr>{_RRN})\b"
    ),
    UtrPattern("rtgs_reference", Rail.RTGS, rf"\b(?P<utr>{_RTGS})\b"),
    UtrPattern("neft_reference", Rail.NEFT, rf"\b(?P<utr>{_NEFT})\b"),
    UtrPattern("rrn_reference", Rail.UNKNOWN, rf"(?<![\dA-Z])(?P<utr>{_RRN})(?![\dA-Z])"),
)


def patterns_for(
    bank: str, overrides: Mapping[str, tuple[UtrPattern, ...]] | None = None
) -> tuple[UtrPattern, ...]:
    """Return ``bank``'s configured patterns, else :data:`DEFAULT_PATTERNS`."""
    return (overrides or {}).get(bank, DEFAULT_PATTERNS)


def extract_utr(
    narration: str, patterns: Iterable[UtrPattern] = DEFAULT_PATTERNS
) -> UtrMatch | None:
    """Return the first reference any pattern (in order) finds in ``narration``, or None."""
    for pattern in patterns:
        utr = pattern.search(narration)
        if utr is not None:
            return UtrMatch(utr, pattern.rail, pattern.name)
    return None


def extract_utr_from(
    texts: Iterable[str], patterns: Iterable[UtrPattern] = DEFAULT_PATTERNS
) -> UtrMatch | None:
    """Return the first reference found in ``texts`` (e.g. AcctSvcrRef, EndToEndId,
    remittance lines, in the order the bank is known to use), or None."""
    ordered = tuple(patterns)
    for text in texts:
        found = extract_utr(text, ordered) if text else None
        if found is not None:
            return found
    return None
