"""Business-day adjustment against India's 2024 calendar."""

from datetime import date

import pytest

from hub.platform.holidays import indian_calendar
from lms_core.calendar import BusinessDayConvention as C
from lms_core.calendar import HolidayCalendar

IN_2024 = indian_calendar([2024])


@pytest.mark.parametrize(
    ("day", "convention", "expected"),
    [
        # Independence Day, Thursday 15 Aug 2024: following is Friday the 16th.
        (date(2024, 8, 15), C.FOLLOWING, date(2024, 8, 16)),
        (date(2024, 8, 15), C.PRECEDING, date(2024, 8, 14)),
        # Sunday 30 June 2024: following crosses into July, so modified following goes
        # back to Saturday 29 June (a 5th Saturday, open).
        (date(2024, 6, 30), C.MODIFIED_FOLLOWING, date(2024, 6, 29)),
        (date(2024, 6, 30), C.FOLLOWING, date(2024, 7, 1)),
        # Republic Day, Friday 26 Jan 2024; 27th is the 4th Saturday (banks shut), 28th Sunday.
        (date(2024, 1, 26), C.FOLLOWING, date(2024, 1, 29)),
        (date(2024, 1, 26), C.NONE, date(2024, 1, 26)),
    ],
)
def test_adjust(day, convention, expected):
    assert IN_2024.adjust(day, convention) == expected


def test_second_and_fourth_saturdays_are_bank_holidays():
    assert not IN_2024.is_business_day(date(2024, 1, 13))  # 2nd Saturday
    assert not IN_2024.is_business_day(date(2024, 1, 27))  # 4th Saturday
    assert IN_2024.is_business_day(date(2024, 1, 6))  # 1st Saturday
    assert IN_2024.is_business_day(date(2024, 1, 20))  # 3rd Saturday


def test_add_business_days_skips_closures():
    # Thu 25 Jan + 1 business day: 26 holiday, 27 4th Sat, 28 Sun -> Mon 29.
    assert IN_2024.add_business_days(date(2024, 1, 25), 1) == date(2024, 1, 29)
    assert IN_2024.add_business_days(date(2024, 1, 29), -1) == date(2024, 1, 25)


def test_tenant_extra_closure():
    cal = indian_calendar([2024], extra=[date(2024, 3, 4)])
    assert not cal.is_business_day(date(2024, 3, 4))
    assert HolidayCalendar().is_business_day(date(2024, 3, 4))
