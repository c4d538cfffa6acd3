"""Business days: holiday calendars and the date-adjustment conventions schedules use.

A :class:`HolidayCalendar` is a frozen set of non-working dates plus the weekend days.
It is pure data: :mod:`hub.platform.holidays` builds the Indian one from the ``holidays``
package (national holidays, optionally a state's, plus bank-specific closures such as
the second and fourth Saturdays when RBI rules apply).

Adjustment conventions (ISDA names, as products configure them):

* ``following``: move a non-business date forward to the next business day;
* ``preceding``: move it back to the previous business day;
* ``modified_following``: forward, unless that crosses into the next month, then back;
* ``none``: keep the date as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

SATURDAY, SUNDAY = 5, 6


class BusinessDayConvention(StrEnum):
    NONE = "none"
    FOLLOWING = "following"
    PRECEDING = "preceding"
    MODIFIED_FOLLOWING = "modified_following"


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Non-working days: explicit ``holidays`` and the ``weekend`` weekdays (0 = Monday)."""

    name: str = "none"
    holidays: frozenset[date] = field(default_factory=frozenset)
    weekend: frozenset[int] = frozenset({SUNDAY})
    # Indian banks close on the 2nd and 4th Saturday of every month (RBI, 2015).
    second_fourth_saturdays: bool = False

    def is_business_day(self, day: date) -> bool:
        """Return True when ``day`` is neither a weekend day nor a holiday."""
        if day.weekday() in self.weekend or day in self.holidays:
            return False
        return not (
            self.second_fourth_saturdays
            and day.weekday() == SATURDAY
            and (day.day - 1) // 7 in (1, 3)
        )

    def next_business_day(self, day: date) -> date:
        """Return the first business day strictly after ``day``."""
        return self.following(day + timedelta(days=1))

    def following(self, day: date) -> date:
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def preceding(self, day: date) -> date:
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def adjust(self, day: date, convention: BusinessDayConvention) -> date:
        """Return ``day`` moved to a business day per ``convention``."""
        convention = BusinessDayConvention(convention)
        if convention is BusinessDayConvention.NONE:
            return day
        if convention is BusinessDayConvention.FOLLOWING:
            return self.following(day)
        if convention is BusinessDayConvention.PRECEDING:
            return self.preceding(day)
        moved = self.following(day)
        return moved if moved.month == day.month else self.preceding(day)

    def add_business_days(self, day: date, count: int) -> date:
        """Return the date ``count`` business days after ``day`` (before, if negative)."""
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day


NO_HOLIDAYS = HolidayCalendar(name="none", weekend=frozenset())
