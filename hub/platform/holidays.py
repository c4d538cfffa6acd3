"""The Indian holiday calendar, built from the ``holidays`` package.

Kept apart from :mod:`lms_core.calendar` (which is stdlib-only) because it reads a
third-party data set. A tenant can add its own closures (bank strikes, local holidays)
on top; the hub stores those and passes them as ``extra``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

from lms_core.calendar import SUNDAY, HolidayCalendar


def indian_calendar(
    years: Iterable[int],
    subdivision: str | None = None,
    extra: Iterable[date] = (),
    bank: bool = True,
) -> HolidayCalendar:
    """Return India's calendar for ``years`` (optionally a state's, e.g. ``"MH"``).

    ``bank=True`` also closes the second and fourth Saturdays, as Indian banks do; NACH
    settlement and escrow movements follow the bank calendar.
    """
    national = holidays.country_holidays("IN", subdiv=subdivision, years=list(years))
    days = frozenset(national.keys()) | frozenset(extra)
    name = f"IN-{subdivision}" if subdivision else "IN"
    return HolidayCalendar(
        name=name + ("-bank" if bank else ""),
        holidays=days,
        weekend=frozenset({SUNDAY}),
        second_fourth_saturdays=bank,
    )
