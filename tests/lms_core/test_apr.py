"""APR (RBI KFS method), effective annual rate, IRR and the 25 bp floating-rate impact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_core.apr import dated_irr, kfs_figures, periodic_irr, rate_change_impact
from lms_core.schedule.build import build_schedule
from lms_core.schedule.terms import Fee, Frequency, LoanTerms, PayableTo
from tests.lms_core.helpers import emi

CENT = Decimal("0.01")


def kfs_loan(*fees: Fee) -> LoanTerms:
    """The RBI KFS illustration's loan: 20,000 at 15 % over 24 monthly installments."""
    return LoanTerms(
        principal=Decimal(20000),
        annual_rate=Decimal(15),
        tenure=24,
        frequency=Frequency.MONTHLY,
        disbursement_date=date(2024, 1, 1),
        first_due_date=date(2024, 2, 1),
        fees=fees,
    )


def test_kfs_illustration_emi():
    """EMI = 20000 × 0.0125 × 1.0125^24 / (1.0125^24 − 1) = 969.73."""
    assert emi(Decimal(20000), Decimal("0.0125"), 24).quantize(CENT) == Decimal("969.73")
    schedule = build_schedule(kfs_loan())
    assert schedule.installment == Decimal("969.73")
    assert schedule.lines[-1].total == Decimal("969.79")  # absorbs the rounding remainder


def test_kfs_illustration_apr_17_07_with_400_of_upfront_charges():
    """The illustration's APR, 17.07 %, is the IRR of 24 × 969.73 against 19,600 net.

    Net 19,600 means 400 of upfront charges: taken here as the 240 processing fee to the
    lender plus 160 to third parties (insurance). Periodic IRR × 12 = 17.07 %.
    """
    loan = kfs_loan(
        Fee("processing", Decimal(240)),
        Fee("insurance", Decimal(160), payable_to=PayableTo.THIRD_PARTY),
    )
    figures = kfs_figures(loan, build_schedule(loan))
    assert figures.net_disbursed == Decimal(19600)
    assert (figures.upfront_fees_lender, figures.upfront_fees_third_party) == (240, 160)
    assert figures.apr == Decimal("17.07")
    assert figures.total_interest == Decimal("3273.58")
    assert figures.total_payable == Decimal("23673.58")  # 24 installments + 400 of fees


def test_contract_example_with_only_the_240_fee():
    """With only 240 upfront the net is 19,760 and the APR 16.24 % (not 17.07 %).

    Check: IRR of (−19760; 23 × 969.73; 969.79) per month is 1.3529 %; × 12 = 16.235 %.
    """
    loan = kfs_loan(Fee("processing", Decimal(240)))
    figures = kfs_figures(loan, build_schedule(loan))
    assert figures.apr == Decimal("16.24")
    # effective annual rate (1 + i)^12 − 1
    assert figures.effective_annual_rate == Decimal("17.50")
    assert ((1 + figures.periodic_irr) ** 12 - 1).quantize(Decimal("0.0001")) == Decimal("0.1750")


def test_no_fees_apr_equals_the_contract_rate():
    figures = kfs_figures(kfs_loan(), build_schedule(kfs_loan()))
    assert figures.apr == Decimal("15.00")
    assert figures.effective_annual_rate == Decimal("16.08")  # 1.0125^12 − 1 = 16.075 %


@pytest.mark.parametrize(
    ("flows", "rate"),
    [
        ([Decimal(-100), Decimal(110)], Decimal("0.1")),
        ([Decimal(-1000), Decimal(0), Decimal(1210)], Decimal("0.1")),
        ([Decimal(-1000), Decimal(600), Decimal(600)], None),  # solves 1000 = 600v + 600v²
    ],
)
def test_periodic_irr(flows, rate):
    irr = periodic_irr(flows)
    if rate is not None:
        assert abs(irr - rate) < Decimal("1e-20")
    v = 1 / (1 + irr)
    assert abs(sum(f * v**k for k, f in enumerate(flows))) < Decimal("1e-18")


def test_irr_needs_a_sign_change():
    with pytest.raises(ValueError):
        periodic_irr([Decimal(100), Decimal(5)])


def test_dated_irr_over_a_leap_year():
    """1000 → 1100 after 366 days: e = 1.1^(365/366) − 1."""
    rate = dated_irr([(date(2024, 1, 1), Decimal(-1000)), (date(2025, 1, 1), Decimal(1100))])
    expected = Decimal("1.1") ** (Decimal(365) / Decimal(366)) - 1
    assert abs(rate - expected) < Decimal("1e-18")


def test_25_bp_impact():
    """At 15.25 %: EMI = 20000·r(1+r)^24/((1+r)^24 − 1), r = 0.1525/12 → 972.11.

    Keeping 969.73: n = ln(E / (E − P·r)) / ln(1 + r) = 24.07 → 25 installments.
    """
    impact = rate_change_impact(kfs_loan())
    expected = emi(Decimal(20000), Decimal("0.1525") / 12, 24).quantize(CENT)
    assert impact.installment_after == expected == Decimal("972.11")
    assert (impact.installments_before, impact.installments_after) == (24, 25)
