"""Why an item is a break, and how old it is.

Every item a run leaves unplaced becomes a break with one :class:`BreakReason`, chosen
from what is known about it, strongest evidence first:

actual side (a bank line nobody expected as it is)
  ``duplicate``           an earlier bank line has the same UTR, amount and direction;
  ``ambiguous``           the engine found several equal candidates (see suggestions);
  ``amount_not_equal``    it quotes an expected item's UTR / reference exactly, with
                          another amount (no tolerance configured);
  ``outside_tolerance``   it quotes an expected item but the amount variance or the date
                          is beyond the rule's tolerance;
  ``unknown_reference``   nothing we expected carries its reference.

expected side (a movement that did not happen as expected), once its date window has
passed: ``ambiguous`` or ``no_matching_payment``.

Age is counted in business days from ``opened_on`` (the line's value date, or the
expected date) to the business date, with the tenant's holiday calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lms_core.calendar import HolidayCalendar

__all__ = [
    "ActualFacts",
    "BreakReason",
    "age_in_business_days",
    "classify_actual",
    "classify_expected",
]


class BreakReason(StrEnum):
    NO_MATCHING_PAYMENT = "no_matching_payment"
    AMOUNT_NOT_EQUAL = "amount_not_equal"
    OUTSIDE_TOLERANCE = "outside_tolerance"
    DUPLICATE = "duplicate"
    UNKNOWN_REFERENCE = "unknown_reference"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class ActualFacts:
    """What the database knows about an unplaced bank line's references."""

    duplicate_of: int | None = None  # an earlier line with the same UTR and amount
    referenced_expected: int | None = None  # an expected item with its UTR / our ref
    referenced_amount: Decimal | None = None
    suggested: bool = False
    near_miss: str | None = None  # the engine's explanation, when it found one


def classify_actual(amount: Decimal, facts: ActualFacts) -> tuple[BreakReason, str]:
    """Return the reason and a one-line explanation for an unplaced bank line."""
    if facts.duplicate_of is not None:
        return BreakReason.DUPLICATE, f"same UTR and amount as bank line {facts.duplicate_of}"
    if facts.suggested:
        return BreakReason.AMBIGUOUS, "several equal candidates: see the suggestions"
    if facts.referenced_amount is not None and facts.referenced_amount != amount:
        variance = amount - facts.referenced_amount
        return BreakReason.AMOUNT_NOT_EQUAL, (
            f"quotes expected item {facts.referenced_expected} for "
            f"{facts.referenced_amount}, received {amount} (variance {variance})"
        )
    if facts.near_miss:
        return BreakReason.OUTSIDE_TOLERANCE, facts.near_miss
    if facts.referenced_expected is not None:
        return BreakReason.OUTSIDE_TOLERANCE, (
            f"quotes expected item {facts.referenced_expected} that is not open or fits no rule"
        )
    return BreakReason.UNKNOWN_REFERENCE, "no expected item carries its UTR or reference"


def classify_expected(suggested: bool) -> tuple[BreakReason, str]:
    """Return the reason for an expected item still open after its date window."""
    if suggested:
        return BreakReason.AMBIGUOUS, "several equal candidates: see the suggestions"
    return BreakReason.NO_MATCHING_PAYMENT, "no bank line settled it within the date window"


def age_in_business_days(opened_on: date, today: date, calendar: HolidayCalendar) -> int:
    """Return how many business days after ``opened_on`` ``today`` is (0 on the day)."""
    if today <= opened_on:
        return 0
    days, day = 0, opened_on
    while day < today:
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            days += 1
    return days
