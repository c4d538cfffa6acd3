"""Maker-checker policy as data: how many checkers an action needs, by amount.

A tenant's policy for one action is a list of :class:`Band`: from ``min_amount`` up, the
action needs ``checkers`` distinct approvers other than the maker, each holding
``permission`` when a band names one (a higher authority for bigger amounts). The band
with the highest ``min_amount`` not above the amount applies; an action with no amount
uses the lowest band. ``checkers = 0`` means the action is done at once.

Examples: a write-off always needs one checker: ``[Band(0, 1)]``; a recon adjustment needs
one above 10,000.00: ``[Band(0, 0), Band(10000.01, 1)]``; a sanction needs one checker,
two above 25 lakh, and a credit head above 1 crore:
``[Band(0, 1), Band(2500000.01, 2), Band(10000000.01, 2, "sanction:credit_head")]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from lms_core.money import D


class ApprovalStatus(StrEnum):
    PENDING = "pending"  # waiting for its checker(s)
    APPROVED = "approved"  # the action ran; result_ref names its outcome
    REJECTED = "rejected"  # a checker refused it (comment says why)
    CANCELLED = "cancelled"  # the maker withdrew it
    FAILED = "failed"  # approved, but the action was refused on execution (error)


@dataclass(frozen=True, slots=True)
class Band:
    min_amount: Decimal
    checkers: int
    permission: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"min_amount": str(self.min_amount), "checkers": self.checkers}
        if self.permission:
            out["permission"] = self.permission
        return out


@dataclass(frozen=True, slots=True)
class BandProblem:
    index: int
    message: str


def band_for(bands: Sequence[Band], amount: Decimal | None) -> Band:
    """Return the band that applies to ``amount`` (the lowest band when there is none)."""
    ordered = sorted(bands, key=lambda b: b.min_amount)
    if amount is None:
        return ordered[0]
    chosen = ordered[0]
    for band in ordered:
        if band.min_amount <= amount:
            chosen = band
    return chosen


def problems(bands: Sequence[Band]) -> list[BandProblem]:
    """Return every reason ``bands`` is not a usable policy (empty when it is)."""
    found = []
    if not bands:
        found.append(BandProblem(0, "at least one band is needed"))
    seen: set[Decimal] = set()
    for i, band in enumerate(bands):
        if band.checkers < 0 or band.checkers > 5:
            found.append(BandProblem(i, f"checkers {band.checkers}: 0 to 5"))
        if band.min_amount < 0:
            found.append(BandProblem(i, f"min_amount {band.min_amount} is negative"))
        if band.min_amount in seen:
            found.append(BandProblem(i, f"min_amount {band.min_amount} appears twice"))
        seen.add(band.min_amount)
    return found


def bands_from(rows: Iterable[Mapping[str, Any]]) -> tuple[Band, ...]:
    """Return bands from their JSON form (``min_amount`` as a string)."""
    return tuple(
        Band(D(str(r["min_amount"])), int(r["checkers"]), r.get("permission")) for r in rows
    )
