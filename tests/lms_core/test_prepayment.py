"""Part prepayment, foreclosure, rate reset and restructure of a running loan.

The loan: 12,000 at 12 % over 6 months (EMI 2070.58, see test_amortization); after
installment 2 the balance is 8079.33 and the next period runs 1 Mar → 1 Apr 2024.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms_core.prepayment import (
    Charges,
    Recompute,
    RestructurePlan,
    Treatment,
    foreclosure_quote,
    prepay,
    reset_rate,
    restructure,
)
from lms_core.schedule.build import build_schedule
from tests.lms_core.helpers import emi, rows, table, terms

LOAN = terms()
SCHEDULE = build_schedule(LOAN)
CENT = Decimal("0.01")


def test_prepay_keeping_the_emi_shortens_the_tenor():
    """2000 prepaid on 1 Mar: 6079.33 left; 60.79 / 40.70 / 20.40 of interest."""
    result, problems = prepay(LOAN, SCHEDULE, 2, Decimal(2000), date(2024, 3, 1))
    assert problems == []
    assert rows(result.schedule)[2:] == table(
        """
        no  due         principal  interest  total    balance
        3   2024-04-01  2009.79    60.79     2070.58  4069.54
        4   2024-05-01  2029.88    40.70     2070.58  2039.66
        5   2024-06-01  2039.66    20.40     2060.06  0.00
        """
    )
    assert result.interest == 0 and result.total == Decimal(2000)


def test_prepay_keeping_the_tenor_lowers_the_emi():
    """EMI on 6079.33 over 4 at 1 % = 6079.33 × 0.25628109 = 1558.02."""
    result, _ = prepay(LOAN, SCHEDULE, 2, Decimal(2000), date(2024, 3, 1), Recompute.KEEP_TENOR)
    assert result.schedule.installment == Decimal("1558.02")
    assert len(result.schedule.lines) == 6
    # the prepaid 2000 is paid outside the lines: lines + prepayment = 12000
    assert sum(line.principal for line in result.schedule.lines) == Decimal(10000)


def test_prepay_mid_period_with_charges_and_tax():
    """On 16 Mar: interest 2000 × 0.12 × 15/365 = 9.86; 2 % charge 40.00; 18 % tax 7.20."""
    charges = Charges(percent=Decimal(2), tax_percent=Decimal(18))
    result, _ = prepay(LOAN, SCHEDULE, 2, Decimal(2000), date(2024, 3, 16), charges=charges)
    assert (result.interest, result.charge, result.tax) == (
        Decimal("9.86"),
        Decimal("40.00"),
        Decimal("7.20"),
    )
    assert result.total == Decimal("2057.06")


def test_prepay_problems():
    result, problems = prepay(LOAN, SCHEDULE, 2, Decimal(9000), date(2024, 4, 2))
    assert result is None
    assert [p.field for p in problems] == ["amount", "on"]


def test_foreclosure_quote():
    """16 Mar: 8079.33 + 8079.33 × 0.12 × 15/365 (39.84) + 4 % (323.17) + 18 % tax (58.17)."""
    charges = Charges(percent=Decimal(4), tax_percent=Decimal(18))
    quote = foreclosure_quote(LOAN, SCHEDULE, date(2024, 3, 16), Decimal("25.00"), charges)
    assert (quote.principal, quote.accrued_interest) == (Decimal("8079.33"), Decimal("39.84"))
    assert (quote.charge, quote.tax) == (Decimal("323.17"), Decimal("58.17"))
    assert quote.total == Decimal("8525.51")


def test_rate_reset_keeping_the_tenor():
    """13 % from installment 3: EMI on 8079.33 over 4 at 13/1200 a month."""
    new, problems = reset_rate(LOAN, SCHEDULE, 2, Decimal(13))
    assert problems == []
    expected = emi(Decimal("8079.33"), Decimal(13) / 1200, 4).quantize(CENT)
    assert new.installment == expected
    assert new.lines[2].interest == (Decimal("8079.33") * 13 / 1200).quantize(CENT)
    assert new.lines[:2] == SCHEDULE.lines[:2]
    assert sum(line.principal for line in new.lines) == Decimal(12000)


def test_rate_reset_keeping_the_emi_extends_the_tenor():
    new, _ = reset_rate(LOAN, SCHEDULE, 2, Decimal(20), Recompute.KEEP_INSTALLMENT)
    assert len(new.lines) == 7  # one more installment at 20 %
    assert {line.total for line in new.lines[:-1]} == {Decimal("2070.58")}
    assert new.lines[-1].balance == 0
    none, problems = reset_rate(LOAN, SCHEDULE, 2, Decimal(400), Recompute.KEEP_INSTALLMENT)
    assert none is None and problems[0].field == "annual_rate"


def test_restructure_capitalising_overdue_interest_with_a_moratorium():
    """8079.33 + 100 overdue interest = 8179.33; 2 months' holiday at 14 % capitalised:
    8179.33 × 14/1200 = 95.43 → 8274.76; 96.54 → 8371.30; then EMI over 4."""
    plan = RestructurePlan(
        installments=6,
        annual_rate=Decimal(14),
        moratorium_periods=2,
        overdue_interest=Decimal(100),
    )
    new, problems = restructure(LOAN, SCHEDULE, 2, plan)
    assert problems == []
    assert [line.balance for line in new.lines[2:4]] == [Decimal("8274.76"), Decimal("8371.30")]
    expected = emi(Decimal("8371.30"), Decimal(14) / 1200, 4).quantize(CENT)
    assert new.installment == expected
    assert len(new.lines) == 8
    assert new.lines[-1].balance == 0


def test_restructure_carrying_overdue_forward():
    plan = RestructurePlan(
        installments=4,
        overdue_interest=Decimal(100),
        overdue_charges=Decimal(50),
        treatment=Treatment.CARRY_FORWARD,
    )
    new, _ = restructure(LOAN, SCHEDULE, 2, plan)
    first = new.lines[2]
    assert (first.interest, first.fees) == (Decimal("180.79"), Decimal(50))  # 80.79 + 100
    assert sum(line.principal for line in new.lines) == Decimal(12000)
