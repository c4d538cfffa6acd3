"""RBI's restructuring norms as data: the product's policy, the specified period, a slip.

**Policy** (product rules JSON, absent = RBI's default):

=============================  =======  ===========================================
``restructure_keeps_standard``  false    true only where a resolution framework lets
                                         a restructured standard account stay standard
``restructure_dpd_tolerance``   0        DPD a day-end may show in the specified
                                         period without breaking satisfactory
                                         performance (RBI: not in default at all)
``restructure_repaid_percent``  10       share of the restructured debt repaid that
                                         ends the specified period (at the earliest)
=============================  =======  ===========================================

**Specified period** (Prudential Framework, 7 Jun 2019, Annex-1): from the restructure
until at least ``repaid_percent`` % of the principal as per the plan (arrears and
interest capitalised included) is repaid, and not before one year from the
commencement of the first payment of interest or principal, whichever is later. The
repaid share is read from the new schedule: an account that performs pays on the
scheduled dates, so that is when the share is reached (a prepayment could reach it
sooner; counting it from the schedule only ever ends the period later).

**Slip**: the day-end at which satisfactory performance first broke, found from the
settled history (each due's payments by value date) for the days a replay does not
cover (:func:`first_slip`); a replay watches the days it covers itself
(:func:`lms_core.loans.classification.watch_slip`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lms_core.loans.classification import Restructured
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.money import ZERO, D

PERIOD_MONTHS = 12


@dataclass(frozen=True, slots=True)
class RestructurePolicy:
    keeps_standard: bool = False
    dpd_tolerance: int = 0
    repaid_percent: Decimal = Decimal(10)

    @classmethod
    def of(cls, rules: Mapping[str, Any]) -> RestructurePolicy:
        """Return the policy from a product's rules JSON (absent keys: RBI's defaults)."""
        return cls(
            bool(rules.get("restructure_keeps_standard") or False),
            int(rules.get("restructure_dpd_tolerance") or 0),
            D(str(rules.get("restructure_repaid_percent") or "10")),
        )


@dataclass(frozen=True, slots=True)
class SettledDue:
    """A principal or interest due and the payments that settled it (by value date)."""

    due_date: date
    amount: Decimal
    waived: Decimal
    payments: tuple[tuple[date, Decimal], ...]

    def unpaid_at(self, day: date) -> bool:
        paid = sum((a for d, a in self.payments if d <= day), ZERO)
        return self.amount - self.waived - paid > 0


def months_after(day: date, months: int) -> date:
    """Return the same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def specified_period_end(
    lines: Sequence[PlannedInstallment], repaid_percent: Decimal
) -> date | None:
    """Return the last day of the specified period for the plan's ``lines`` after the
    restructure (None when the plan has no payment)."""
    first_interest = next((x.due_date for x in lines if x.interest > 0), None)
    first_principal = next((x.due_date for x in lines if x.principal > 0), None)
    starts = [d for d in (first_interest, first_principal) if d is not None]
    if not starts:
        return None
    end = months_after(max(starts), PERIOD_MONTHS)
    debt = sum((x.principal for x in lines), ZERO)
    repaid = ZERO
    for line in lines:
        repaid += line.principal
        if repaid * 100 >= debt * repaid_percent:
            return max(end, line.due_date)
    return end


def first_slip(state: Restructured, dues: Iterable[SettledDue], before: date) -> date | None:
    """Return the first day-end before ``before`` in the specified period at which the
    account was more than ``state.tolerance`` days past due (None if there was none).

    A due is past due by more than the tolerance at the day-end ``tolerance`` days after
    its due date (DPD counts its due date as day 1); payments only ever settle more, so
    it broke the rule iff it was still unpaid at that day-end.
    """
    last = min(state.until, before - timedelta(days=1))
    slips = []
    for due in dues:
        day = max(due.due_date + timedelta(days=state.tolerance), state.on)
        if day <= last and due.unpaid_at(day):
            slips.append(day)
    return min(slips, default=None)


@dataclass(frozen=True, slots=True)
class RestructureRecord:
    """What a restructure left in force: the classification state and the interest it
    capitalised that is kept out of income while the account is an NPA."""

    state: Restructured
    interest_held: Decimal

    @classmethod
    def of(cls, on: date, detail: Mapping[str, Any]) -> RestructureRecord | None:
        """Return the record from a restructure's history ``detail`` (None if it has no
        specified period). Restructures recorded before these norms kept the account
        standard: they read as ``downgrade`` False."""
        until = detail.get("specified_period_end") or detail.get("monitoring_until")
        if until is None:
            return None
        state = Restructured(
            on,
            date.fromisoformat(until),
            int(detail.get("dpd_tolerance", 0)),
            bool(detail.get("downgrade", False)),
        )
        return cls(state, D(str(detail.get("interest_held", "0"))))
