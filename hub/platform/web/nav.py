"""Navigation as data: each page module declares its entries; the shell draws them.

A page module exports ``NAV = (NavEntry(...), ...)``. The header shows, per section,
the entries whose permission the signed-in user holds, in ``order``. Nothing in the
shell names a feature: adding a page module adds its links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Section(StrEnum):
    """Sections of the navigation, drawn in this order."""

    OVERVIEW = "Overview"
    ORIGINATION = "Origination"
    LOANS = "Loans"
    COLLECTIONS = "Collections"
    CO_LENDING = "Co-lending"
    SCF = "Supply chain finance"
    SECURITISATION = "Securitisation"
    RECONCILIATION = "Reconciliation"
    REPORTS = "Reports"
    HUB = "Integration hub"
    ADMIN = "Administration"


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    path: str
    permission: str  # a Permission, or a domain's own
    section: Section
    order: int = 100


@dataclass(frozen=True, slots=True)
class NavSection:
    section: Section
    entries: tuple[NavEntry, ...]


def visible(entries: Iterable[NavEntry], granted: frozenset[str]) -> list[NavSection]:
    """Return the sections (in :class:`Section` order) with the entries ``granted`` allows."""
    allowed = [e for e in entries if e.permission in granted]
    sections = []
    for section in Section:
        mine = sorted(
            (e for e in allowed if e.section == section), key=lambda e: (e.order, e.label)
        )
        if mine:
            sections.append(NavSection(section, tuple(mine)))
    return sections
