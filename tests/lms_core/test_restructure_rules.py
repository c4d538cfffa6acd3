"""RBI's restructuring norms, pure: the class by day, the specified period, a slip."""

from datetime import date
from decimal import Decimal

import pytest

from lms_core.loans.classification import (
    AssetClass,
    Restructured,
    classify_restructured,
    watch_slip,
)
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.loans.restructure_rules import (
    SettledDue,
    first_slip,
    months_after,
    specified_period_end,
)

NPA, STD, SMA0 = AssetClass.NPA, AssetClass.STANDARD, AssetClass.SMA0
ON, UNTIL = date(2024, 5, 2), date(2025, 6, 1)
HELD = Restructured(ON, UNTIL)
SLIPPED = Restructured(ON, UNTIL, slipped=date(2024, 10, 1))
KEPT = Restructured(ON, UNTIL, downgrade=False)


@pytest.mark.parametrize(
    ("day", "dpd", "previous", "state", "expected"),
    [
        (date(2024, 5, 1), 0, NPA, HELD, STD),  # before the restructure: ordinary rule
        (ON, 0, STD, HELD, NPA),  # downgraded at the restructure's day-end
        (date(2025, 5, 31), 0, NPA, HELD, NPA),  # no upgrade a day early
        (UNTIL, 0, NPA, HELD, STD),  # upgraded at the period's last day-end
        (UNTIL, 3, NPA, Restructured(ON, UNTIL, tolerance=5), SMA0),  # as a standard would
        (UNTIL, 0, NPA, SLIPPED, NPA),  # slipped in the period: not upgraded
        (date(2026, 1, 1), 0, NPA, SLIPPED, NPA),  # nor later
        (date(2026, 1, 1), 0, STD, HELD, STD),  # upgraded: ordinary rule after
        (ON, 0, STD, KEPT, STD),  # kept standard by policy
        (date(2024, 9, 1), 5, STD, KEPT, SMA0),  # which ages as usual
        (date(2024, 9, 1), 0, NPA, KEPT, NPA),  # but once NPA is held
    ],
)
def test_classify_restructured(day, dpd, previous, state, expected):
    assert classify_restructured(dpd, previous, day, state) is expected


def _line(n: int, due: date, principal: str, interest: str) -> PlannedInstallment:
    return PlannedInstallment(n, due, due, Decimal(principal), Decimal(interest), Decimal(0))


def test_specified_period_is_a_year_from_the_later_first_payment_or_the_repaid_share():
    """Interest from 1 Jun 2024, principal only from 1 Aug (a moratorium on principal):
    the period runs to 1 Aug 2025; if 10% of the 100000 is repaid only on 1 Oct 2025
    (1000 + 1000 + 8000), to then."""
    lines = [
        _line(5, date(2024, 6, 1), "0", "100"),
        _line(6, date(2024, 7, 1), "0", "100"),
        _line(7, date(2024, 8, 1), "5000", "100"),
        _line(8, date(2024, 9, 1), "95000", "50"),
    ]
    assert specified_period_end(lines, Decimal(10)) == date(2025, 8, 1)
    slow = [
        *lines[:2],
        _line(7, date(2024, 8, 1), "1000", "100"),
        _line(8, date(2024, 9, 1), "1000", "100"),
        _line(9, date(2025, 10, 1), "8000", "100"),
        _line(10, date(2025, 11, 1), "90000", "100"),
    ]
    assert specified_period_end(slow, Decimal(10)) == date(2025, 10, 1)
    assert months_after(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_first_slip_is_the_first_day_end_a_due_stayed_unpaid_beyond_the_tolerance():
    paid_on_time = SettledDue(date(2024, 6, 1), Decimal(100), Decimal(0), ((ON, Decimal(0)),))
    on_time = SettledDue(
        date(2024, 7, 1), Decimal(100), Decimal(0), ((date(2024, 7, 1), Decimal(100)),)
    )
    late = SettledDue(
        date(2024, 8, 1), Decimal(100), Decimal(0), ((date(2024, 8, 3), Decimal(100)),)
    )
    waived = SettledDue(date(2024, 4, 1), Decimal(100), Decimal(100), ())
    assert first_slip(HELD, [on_time, late, waived], date(2025, 1, 1)) == date(2024, 8, 1)
    assert first_slip(HELD, [on_time, late], date(2024, 8, 1)) is None  # not seen yet
    tolerant = Restructured(ON, UNTIL, tolerance=2)
    assert first_slip(tolerant, [late], date(2025, 1, 1)) is None  # paid on DPD 3's day
    assert first_slip(HELD, [paid_on_time], date(2025, 1, 1)) == date(2024, 6, 1)


@pytest.mark.parametrize(
    ("day", "dpd", "state", "slipped"),
    [
        (date(2024, 8, 1), 1, HELD, date(2024, 8, 1)),  # in default in the period: a slip
        (date(2024, 8, 1), 0, HELD, None),  # paid on the due date: none
        (ON, 3, HELD, ON),  # the restructure's own day-end counts
        (date(2024, 5, 1), 40, HELD, None),  # before the restructure: not the period's
        (UNTIL, 1, HELD, UNTIL),  # its last day-end counts
        (date(2025, 6, 2), 1, HELD, None),  # after it: the period is over
        (date(2024, 8, 3), 2, Restructured(ON, UNTIL, tolerance=2), None),  # tolerated
        (date(2024, 8, 4), 3, Restructured(ON, UNTIL, tolerance=2), date(2024, 8, 4)),
        (date(2024, 11, 1), 9, SLIPPED, date(2024, 10, 1)),  # the first slip stays
    ],
)
def test_watch_slip_marks_the_first_day_end_in_default_in_the_period(day, dpd, state, slipped):
    """A replay's day-end with DPD above the tolerance, between the restructure and the
    period's end, is a slip unless one was seen before."""
    assert watch_slip(state, dpd, day).slipped == slipped
