"""Days past due and asset classification, as RBI defines them.

RBI's circular of 12 Nov 2021 (Prudential norms on IRACP, clarifications) fixes the
counting with an example: an amount due on 31.03 and still unpaid when that day's
end-of-day runs is overdue *from 31.03*; the account is SMA-1 at the day-end of 30.04,
SMA-2 at 30.05 and NPA at 29.06. So at the day-end of ``as_of`` the days past due are
``(as_of - oldest unpaid due date) + 1``, and the classes are:

==========  ==============================
standard    nothing overdue (DPD 0)
SMA-0       DPD 1-30
SMA-1       DPD 31-60
SMA-2       DPD 61-90
NPA         DPD above the NPA threshold (90)
==========  ==============================

An NPA is upgraded only when *all* arrears of interest and principal are paid (DPD
back to 0); a partial payment that brings DPD under 90 does not upgrade it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class AssetClass(StrEnum):
    STANDARD = "standard"
    SMA0 = "sma0"
    SMA1 = "sma1"
    SMA2 = "sma2"
    NPA = "npa"


def days_past_due(oldest_unpaid_due: date | None, as_of: date) -> int:
    """Return the DPD at the day-end of ``as_of`` (0 when nothing due is unpaid)."""
    if oldest_unpaid_due is None or oldest_unpaid_due > as_of:
        return 0
    return (as_of - oldest_unpaid_due).days + 1


def classify(dpd: int, previous: AssetClass, npa_dpd: int = 90) -> AssetClass:
    """Return the asset class for ``dpd`` given the class the loan had before."""
    if previous is AssetClass.NPA and dpd > 0:
        return AssetClass.NPA
    if dpd > npa_dpd:
        return AssetClass.NPA
    if dpd > 60:
        return AssetClass.SMA2
    if dpd > 30:
        return AssetClass.SMA1
    if dpd > 0:
        return AssetClass.SMA0
    return AssetClass.STANDARD
