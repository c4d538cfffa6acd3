"""Schedules for each amortization shape, as the domain writes them.

Every table is 12,000 at 12 % a year, monthly (r = 1 % a period), disbursed 1 Jan 2024,
unless a test says otherwise. Figures were worked by hand from the formulas quoted in
each docstring: interest = balance × 1 %, rounded half-even to the paisa; principal =
installment − interest; the last line takes the remaining balance.
"""

from __future__ import annotations

from decimal import Decimal

from lms_core.schedule.build import build_schedule
from lms_core.schedule.terms import Amortization, Moratorium, MoratoriumInterest, Step
from tests.lms_core.helpers import emi, rows, table, terms


def test_equal_installment():
    """EMI = 12000 × 0.01 × 1.01^6 / (1.01^6 − 1) = 2070.58 (1.01^6 = 1.0615201506)."""
    assert emi(Decimal(12000), Decimal("0.01"), 6).quantize(Decimal("0.01")) == Decimal("2070.58")
    assert rows(build_schedule(terms())) == table(
        """
        no  due         principal  interest  total    balance
        1   2024-02-01  1950.58    120.00    2070.58  10049.42
        2   2024-03-01  1970.09    100.49    2070.58  8079.33
        3   2024-04-01  1989.79    80.79     2070.58  6089.54
        4   2024-05-01  2009.68    60.90     2070.58  4079.86
        5   2024-06-01  2029.78    40.80     2070.58  2050.08
        6   2024-07-01  2050.08    20.50     2070.58  0.00
        """
    )


def test_equal_principal():
    """12000 / 6 = 2000 of principal each month; interest falls by 20.00 a month."""
    schedule = build_schedule(terms(amortization=Amortization.EQUAL_PRINCIPAL))
    assert rows(schedule) == table(
        """
        no  due         principal  interest  total    balance
        1   2024-02-01  2000.00    120.00    2120.00  10000.00
        2   2024-03-01  2000.00    100.00    2100.00  8000.00
        3   2024-04-01  2000.00    80.00     2080.00  6000.00
        4   2024-05-01  2000.00    60.00     2060.00  4000.00
        5   2024-06-01  2000.00    40.00     2040.00  2000.00
        6   2024-07-01  2000.00    20.00     2020.00  0.00
        """
    )


def test_bullet_interest_only_then_principal():
    """Interest only (120.00 a month), the whole principal with the last installment."""
    schedule = build_schedule(terms(amortization=Amortization.BULLET))
    assert rows(schedule)[4:] == table(
        """
        no  due         principal  interest  total     balance
        5   2024-06-01  0.00       120.00    120.00    12000.00
        6   2024-07-01  12000.00   120.00    12120.00  0.00
        """
    )
    assert schedule.installment == Decimal("120.00")


def test_balloon():
    """Balloon 6000 (50 %): EMI = (12000 − 6000/1.01^6) × 0.01·1.01^6/(1.01^6 − 1) = 1095.29."""
    schedule = build_schedule(
        terms(amortization=Amortization.BALLOON, balloon_percent=Decimal("50"))
    )
    assert rows(schedule)[0] == ("1", "2024-02-01", "975.29", "120.00", "1095.29", "11024.71")
    assert rows(schedule)[-1] == ("6", "2024-07-01", "7025.05", "70.25", "7095.30", "0.00")


def test_step_up_every_two_installments():
    """+10 % every 2: base = 12000 / Σ m_k v^k with m = 1,1,1.1,1.1,1.21,1.21 → 1879.03."""
    schedule = build_schedule(
        terms(amortization=Amortization.STEP, step=Step(every=2, percent=Decimal("10")))
    )
    totals = [row[4] for row in rows(schedule)]
    # 1879.03 × 1.1 = 2066.933 → 2066.93; × 1.21 = 2273.626 → 2273.63
    assert totals == ["1879.03", "1879.03", "2066.93", "2066.93", "2273.63", "2273.63"]


def test_step_down():
    schedule = build_schedule(
        terms(amortization=Amortization.STEP, step=Step(every=3, percent=Decimal("-20")))
    )
    totals = [line.total for line in schedule.lines]
    assert totals[0] == totals[1] == totals[2]
    assert totals[3] == (totals[0] * Decimal("0.8")).quantize(Decimal("0.01"))
    assert sum(line.principal for line in schedule.lines) == Decimal(12000)


def test_principal_moratorium_then_emi():
    """Two interest-only months, then EMI over 4: 12000 × 0.01·1.01^4/(1.01^4 − 1) = 3075.37."""
    schedule = build_schedule(terms(moratorium=Moratorium(principal_periods=2)))
    assert rows(schedule) == table(
        """
        no  due         principal  interest  total    balance
        1   2024-02-01  0.00       120.00    120.00   12000.00
        2   2024-03-01  0.00       120.00    120.00   12000.00
        3   2024-04-01  2955.37    120.00    3075.37  9044.63
        4   2024-05-01  2984.92    90.45     3075.37  6059.71
        5   2024-06-01  3014.77    60.60     3075.37  3044.94
        6   2024-07-01  3044.94    30.45     3075.39  0.00
        """
    )


def test_interest_moratorium_capitalised():
    """12000 → 12120.00 → 12241.20; EMI on 12241.20 over 4 = 3137.19."""
    schedule = build_schedule(terms(moratorium=Moratorium(interest_periods=2)))
    assert rows(schedule) == table(
        """
        no  due         principal  interest  total    balance
        1   2024-02-01  0.00       0.00      0.00     12120.00
        2   2024-03-01  0.00       0.00      0.00     12241.20
        3   2024-04-01  3014.78    122.41    3137.19  9226.42
        4   2024-05-01  3044.93    92.26     3137.19  6181.49
        5   2024-06-01  3075.38    61.81     3137.19  3106.11
        6   2024-07-01  3106.11    31.06     3137.17  0.00
        """
    )
    assert schedule.capitalised_interest == Decimal("241.20")


def test_interest_moratorium_collected_later():
    """240.00 of deferred interest is paid on top of the first EMI (3075.37 + 240)."""
    mora = Moratorium(interest_periods=2, interest_treatment=MoratoriumInterest.COLLECT_LATER)
    schedule = build_schedule(terms(moratorium=mora))
    assert rows(schedule)[2] == ("3", "2024-04-01", "2955.37", "360.00", "3315.37", "9044.63")
    assert sum(line.principal for line in schedule.lines) == Decimal(12000)
