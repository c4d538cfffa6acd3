"""Day counts: how many years of interest lie between two dates.

A day count turns a date interval into a *year fraction*; interest for the interval is
``balance × annual rate × year fraction``. The conventions Indian lenders configure:

* ``ACT/365F`` (Actual/365 Fixed): actual days / 365, also in leap years. The RBI and
  most Indian banks and NBFCs compute retail interest this way.
* ``ACT/360``: actual days / 360 (money-market style, common on foreign-currency loans).
* ``ACT/364``: actual days / 364 (52 weeks; used with weekly and bi-weekly products).
* ``30/360``: the bond basis (ISDA 2006 §4.16(f), "30/360 US" without the February
  rule): every month counts 30 days; a start on the 31st counts as the 30th, and an end
  on the 31st counts as the 30th when the start is the 30th or 31st.
* ``ACT/ACT`` (ISDA): the days falling in a leap year are divided by 366, the others by
  365, so an interval spanning 31 December is split at the year boundary.

All fractions are exact :class:`~decimal.Decimal` quotients (34 significant digits).
The start date is included and the end date excluded: interest for 1 Jan → 2 Jan is one
day's interest.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

_D360 = Decimal(360)
_D364 = Decimal(364)
_D365 = Decimal(365)
_D366 = Decimal(366)


class DayCount(StrEnum):
    ACT_365F = "ACT/365F"
    ACT_360 = "ACT/360"
    ACT_364 = "ACT/364"
    THIRTY_360 = "30/360"
    ACT_ACT = "ACT/ACT"


def days_30_360(start: date, end: date) -> int:
    """Return the 30/360 bond-basis day count from ``start`` to ``end``."""
    d1 = min(start.day, 30)
    d2 = end.day
    if d2 == 31 and d1 == 30:
        d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def day_count_days(start: date, end: date, convention: DayCount) -> int:
    """Return the days counted between ``start`` and ``end`` (end excluded) per ``convention``."""
    if convention is DayCount.THIRTY_360:
        return days_30_360(start, end)
    return (end - start).days


def _act_act(start: date, end: date) -> Decimal:
    if end < start:
        return -_act_act(end, start)
    total = Decimal(0)
    cursor = start
    while cursor.year < end.year:
        year_end = date(cursor.year + 1, 1, 1)
        total += Decimal((year_end - cursor).days) / _year_days(cursor.year)
        cursor = year_end
    return total + Decimal((end - cursor).days) / _year_days(end.year)


def _year_days(year: int) -> Decimal:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return _D366 if leap else _D365


def year_fraction(start: date, end: date, convention: DayCount) -> Decimal:
    """Return the fraction of a year from ``start`` to ``end`` (negative if end < start)."""
    if convention is DayCount.ACT_365F:
        return Decimal((end - start).days) / _D365
    if convention is DayCount.ACT_360:
        return Decimal((end - start).days) / _D360
    if convention is DayCount.ACT_364:
        return Decimal((end - start).days) / _D364
    if convention is DayCount.THIRTY_360:
        return Decimal(days_30_360(start, end)) / _D360
    return _act_act(start, end)
