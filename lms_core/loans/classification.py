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

A *restructured* account follows RBI's restructuring norms instead while they apply
(:class:`Restructured`, :func:`classify_restructured`): NPA from the restructure,
upgraded only at the end of the specified period after satisfactory performance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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


@dataclass(frozen=True, slots=True)
class Restructured:
    """A restructured account, as its day-end classification needs it.

    ``on`` is the restructure's business date (the resolution plan's implementation),
    ``until`` the last day of RBI's *specified period*. ``downgrade``: a standard
    account becomes NPA on restructuring (RBI's rule; False only where a resolution
    framework lets it stay standard). ``slipped`` is the first day-end in the period at
    which the account was in default beyond the tolerated DPD, i.e. performance was not
    satisfactory (None while it is): found from the payment history for days already
    settled (:func:`lms_core.loans.restructure_rules.first_slip`) and by a replay as it
    runs the period's day-ends (:func:`watch_slip`). ``tolerance`` is that DPD (RBI: not
    in default at any time, so 0).
    """

    on: date
    until: date
    tolerance: int = 0
    downgrade: bool = True
    slipped: date | None = None


def classify_restructured(
    dpd: int, previous: AssetClass, day: date, state: Restructured, npa_dpd: int = 90
) -> AssetClass:
    """Return the class at the day-end of ``day`` of a restructured account.

    RBI (Prudential Framework, 7 Jun 2019, Annex-1; IRACP Master Direction): on
    restructuring a standard account is downgraded to NPA and an NPA keeps its class;
    neither is upgraded before the specified period ends, and then only after
    satisfactory performance throughout it. So, from ``state.on``:

    * during the period an NPA stays NPA whatever its DPD (a downgraded account is NPA
      from the restructure's day-end);
    * at the day-end of ``state.until`` an NPA that performed is upgraded (classified by
      its DPD as a standard account would be), not a day earlier;
    * an NPA that slipped in the period stays NPA after it (a fresh restructure starts
      a new period);
    * an account kept standard ages as usual; once NPA the rules above hold it.
    """
    slipped = state.slipped is not None and state.slipped <= day
    if day < state.on:
        return classify(dpd, previous, npa_dpd)
    if day < state.until and (state.downgrade or previous is AssetClass.NPA):
        return AssetClass.NPA
    if day >= state.until and previous is AssetClass.NPA and slipped:
        return AssetClass.NPA
    if day == state.until and previous is AssetClass.NPA:
        return classify(dpd, AssetClass.STANDARD, npa_dpd)
    return classify(dpd, previous, npa_dpd)


def watch_slip(state: Restructured, dpd: int, day: date) -> Restructured:
    """Return ``state`` with ``slipped`` = ``day`` when the day-end of ``day`` is the first
    in the specified period with DPD above the tolerance (``state`` itself otherwise).

    DPD above ``tolerance`` at a day-end is exactly "a principal or interest due still
    unpaid ``tolerance`` days after it fell due" (DPD counts the oldest such due), the
    rule :func:`~lms_core.loans.restructure_rules.first_slip` reads from a history, so a
    replay that watches its own day-ends finds the slip in one pass and classifies the
    end of the period by it.
    """
    if state.slipped is None and state.on <= day <= state.until and dpd > state.tolerance:
        return replace(state, slipped=day)
    return state
