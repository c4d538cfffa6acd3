"""Building a schedule from validated :class:`LoanTerms`.

:func:`build_schedule` settles the disbursement figures, then hands the periods to the
declining-balance engine or to the precomputed-interest one:

* **financed amount** = principal − down payment (``down_payment_percent`` of the
  principal, rounded to the paisa);
* **fees**: a fee's ``percent`` is of the financed amount; upfront fees (deducted or
  collected) are settled at disbursement, per-installment fees sit in every line's
  ``fees`` column;
* **broken period**: the extra days between the disbursement and the start of a
  regular first period earn BPI at ``annual rate × year fraction`` (day count of the
  terms). Added to the first installment, or charged separately at disbursement
  (``bpi_separate``). A short first period gives a negative BPI, always netted from
  the first installment's interest. Under the daily basis the first period simply runs
  from the disbursement (or, with separate BPI, from the regular start);
* **tranches**: the first tranche starts the balance; later ones join it on their date
  (earning daily interest for the part period) and the installment is re-computed over
  the installments left.

Call :func:`lms_core.schedule.validate.validate_terms` first; this function trusts it.
"""

from __future__ import annotations

from decimal import Decimal

from lms_core.daycount import year_fraction
from lms_core.money import HUNDRED, ZERO, round_money
from lms_core.schedule.dates import build_periods, regular_first_start
from lms_core.schedule.declining import Rates, Rounder, Shape, amortize
from lms_core.schedule.flat import precomputed
from lms_core.schedule.lines import DECIMAL_MODES, Schedule
from lms_core.schedule.terms import (
    PERIODS_PER_YEAR,
    BrokenPeriod,
    FeeKind,
    Frequency,
    InterestBasis,
    InterestMethod,
    LoanTerms,
    MoratoriumInterest,
)

_ONE = Decimal(1)


def financed_amount(terms: LoanTerms) -> Decimal:
    """Return the principal less the down payment."""
    if not terms.down_payment_percent:
        return terms.principal
    return terms.principal - round_money(terms.principal * terms.down_payment_percent / HUNDRED)


def fee_amounts(terms: LoanTerms, financed: Decimal) -> tuple[Decimal, Decimal]:
    """Return (upfront fees, fees per installment) in rupees."""
    upfront = per_installment = ZERO
    for fee in terms.fees:
        amount = fee.amount
        if fee.percent is not None:
            amount = round_money(financed * fee.percent / HUNDRED)
        if fee.kind is FeeKind.PER_INSTALLMENT:
            per_installment += amount
        else:
            upfront += amount
    return upfront, per_installment


def make_rates(terms: LoanTerms, annual_rate: Decimal | None = None) -> Rates:
    """Return the rate figures the engine needs (``annual_rate`` overrides the terms')."""
    annual = (terms.annual_rate if annual_rate is None else annual_rate) / HUNDRED
    ppy = PERIODS_PER_YEAR.get(terms.frequency)
    period_rate = annual / ppy if ppy else ZERO
    return Rates(period_rate, annual, terms.interest_basis, terms.day_count)


def make_rounder(terms: LoanTerms) -> Rounder:
    """Return the installment and interest rounding of the terms."""
    ir = terms.interest_rounding
    return Rounder(
        terms.installment_rounding.multiple,
        DECIMAL_MODES[terms.installment_rounding.mode],
        _ONE.scaleb(-ir.places),
        DECIMAL_MODES[ir.mode],
    )


def make_shape(terms: LoanTerms, financed: Decimal) -> Shape:
    """Return the amortization shape of the terms."""
    mora = terms.moratorium
    return Shape(
        amortization=terms.amortization,
        interest_free=mora.interest_periods,
        capitalise=mora.interest_treatment is MoratoriumInterest.CAPITALISE,
        interest_only=mora.principal_periods,
        balloon=round_money(financed * terms.balloon_percent / HUNDRED),
        step=terms.step,
        custom_amounts=tuple(c.amount for c in terms.custom),
        custom_principals=tuple(c.principal_percent for c in terms.custom),
    )


def _broken_period(terms: LoanTerms, opening: Decimal, rates: Rates) -> tuple[Decimal, bool]:
    """Return (broken-period interest, whether it is charged separately)."""
    if terms.frequency is Frequency.CUSTOM:
        return ZERO, False
    regular = regular_first_start(terms)
    bpi = opening * rates.annual * year_fraction(terms.disbursement_date, regular, rates.day_count)
    separate = terms.broken_period is BrokenPeriod.SEPARATE and bpi > 0
    return bpi, separate


def installment_count(terms: LoanTerms) -> int:
    """Return the number of installments (the custom dates' count for a custom frequency)."""
    return len(terms.custom) if terms.frequency is Frequency.CUSTOM else terms.tenure


def build_schedule(terms: LoanTerms) -> Schedule:
    """Return the repayment schedule for validated ``terms``."""
    financed = financed_amount(terms)
    upfront, fee = fee_amounts(terms, financed)
    rates = make_rates(terms)
    rounder = make_rounder(terms)
    tranches = [(t.on, t.amount) for t in terms.disbursements[1:]]
    opening = terms.disbursements[0].amount if terms.disbursements else financed
    bpi, separate = _broken_period(terms, opening, rates)
    daily = terms.interest_basis is InterestBasis.DAILY
    start = regular_first_start(terms) if separate else terms.disbursement_date
    periods = build_periods(terms, start, 0, installment_count(terms))
    bpi_separate = round_money(bpi) if separate else ZERO
    extra = ZERO if separate or daily else bpi
    if terms.interest_method is InterestMethod.DECLINING:
        shape = make_shape(terms, financed)
        outcome = amortize(opening, periods, rates, shape, rounder, fee, 1, extra, tranches)
    else:
        total_interest = _precomputed_interest(terms, financed, rates, periods[-1].accrual_end)
        rule_of_78 = terms.interest_method is InterestMethod.RULE_OF_78
        outcome = precomputed(financed, total_interest, periods, rounder, rule_of_78, fee, extra)
    return Schedule(
        lines=tuple(outcome.lines),
        financed=financed,
        installment=outcome.installment,
        currency=terms.currency,
        down_payment=terms.principal - financed,
        upfront_fees=upfront,
        bpi_separate=bpi_separate,
        capitalised_interest=outcome.capitalised,
    )


def _precomputed_interest(terms: LoanTerms, financed: Decimal, rates: Rates, last) -> Decimal:
    if terms.interest_basis is InterestBasis.DAILY:
        years = year_fraction(terms.disbursement_date, last, rates.day_count)
    else:
        years = Decimal(terms.tenure) / PERIODS_PER_YEAR[terms.frequency]
    return round_money(financed * rates.annual * years)
