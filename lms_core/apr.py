"""APR and the Key Facts Statement figures (RBI KFS directions, 15 April 2024).

The APR is the annualised internal rate of return of the borrower's cash flows: at
disbursement the borrower receives the *net disbursed amount* (the financed amount
minus every upfront fee and charge, the lender's and third parties', and minus a
broken-period interest collected upfront); afterwards the borrower pays each
installment's total (principal + interest + recurring fees). The periodic IRR ``i``
solves ``net = Σ total_k / (1 + i)^k`` on the reducing balance, and, as in the RBI's
illustration, ``APR = i × periods per year``, reported in percent to two places. The
effective annual rate is ``(1 + i)^periods per year − 1``.

For a custom (irregular) schedule there is no period: the rate is solved on the actual
dates, ``net = Σ total_k / (1 + e)^(t_k)`` with ``t_k`` in ACT/365 years, and ``e`` is
reported both as the APR and as the effective annual rate.

The IRR is solved in Decimal with Newton's method from the contract rate, falling back
to bisection, so the figure is deterministic to far more digits than are reported.

The KFS also states the impact of a 25 bp rise on a floating loan: the new installment
for the same tenure, and the installments needed at the current installment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from lms_core.money import HUNDRED, ZERO, RoundingMode, round_to
from lms_core.schedule.build import (
    build_schedule,
    fee_amounts,
    make_rates,
    make_rounder,
    make_shape,
)
from lms_core.schedule.dates import build_periods
from lms_core.schedule.declining import amortize
from lms_core.schedule.lines import Schedule
from lms_core.schedule.terms import (
    PERIODS_PER_YEAR,
    Frequency,
    InterestMethod,
    LoanTerms,
    PayableTo,
)

_ONE = Decimal(1)
_TOLERANCE = Decimal("1e-24")
_MAX_NEWTON = 60
_MAX_BISECTION = 300
_D365 = Decimal(365)


@dataclass(frozen=True, slots=True)
class KfsFigures:
    """The KFS's cost figures; rates in percent rounded to two places."""

    apr: Decimal
    effective_annual_rate: Decimal
    periodic_irr: Decimal  # unrounded, as a fraction per period
    net_disbursed: Decimal
    total_interest: Decimal
    total_fees: Decimal
    total_payable: Decimal
    installment: Decimal
    installments: int
    upfront_fees_lender: Decimal = ZERO  # KFS item 8 (A)
    upfront_fees_third_party: Decimal = ZERO  # KFS item 8 (B)


@dataclass(frozen=True, slots=True)
class RateImpact:
    """Effect of a rate change on a floating loan (None: the installment never repays)."""

    basis_points: int
    installment_before: Decimal
    installment_after: Decimal
    installments_before: int
    installments_after: int | None


def _npv_and_slope(cashflows: Sequence[Decimal], rate: Decimal) -> tuple[Decimal, Decimal]:
    """Return (NPV, dNPV/drate) of period-indexed ``cashflows`` at ``rate``."""
    v = _ONE / (_ONE + rate)
    value = slope = ZERO
    for k in range(len(cashflows) - 1, -1, -1):  # Horner in v
        slope = slope * v + value
        value = value * v + cashflows[k]
    return value, -slope * v * v


def periodic_irr(cashflows: Sequence[Decimal], guess: Decimal = Decimal("0.01")) -> Decimal:
    """Return the rate per period at which ``cashflows`` (index = period) have zero NPV.

    Raises ValueError when the flows do not change sign (no IRR exists).
    """
    if all(c >= 0 for c in cashflows) or all(c <= 0 for c in cashflows):
        raise ValueError("cash flows must change sign to have an IRR")
    rate = guess
    for _ in range(_MAX_NEWTON):
        value, slope = _npv_and_slope(cashflows, rate)
        if slope == 0:
            break
        step = value / slope
        rate -= step
        if rate <= -_ONE:
            break
        if abs(step) < _TOLERANCE:
            return rate
    return _bisect(lambda r: _npv_and_slope(cashflows, r)[0])


def _bisect(npv) -> Decimal:
    low, high = Decimal("-0.999999"), Decimal(10)
    f_low = npv(low)
    for _ in range(_MAX_BISECTION):
        mid = (low + high) / 2
        f_mid = npv(mid)
        if (f_mid < 0) == (f_low < 0):
            low, f_low = mid, f_mid
        else:
            high = mid
        if high - low < _TOLERANCE:
            break
    return (low + high) / 2


def dated_irr(flows: Sequence[tuple[date, Decimal]]) -> Decimal:
    """Return the effective annual rate ``e`` solving Σ amount / (1+e)^(days/365) = 0."""
    start = flows[0][0]
    years = [(Decimal((day - start).days) / _D365, amount) for day, amount in flows]

    def npv(rate: Decimal) -> Decimal:
        base = _ONE + rate
        return sum((amount / base**t for t, amount in years), ZERO)

    return _bisect(npv)


def _schedule_irr(terms: LoanTerms, schedule: Schedule) -> tuple[Decimal, Decimal]:
    """Return (APR, effective annual rate) as unrounded fractions."""
    net = schedule.net_disbursed()
    if terms.frequency is Frequency.CUSTOM:
        flows = [(terms.disbursement_date, -net)]
        flows += [(line.due_date, line.total) for line in schedule.lines]
        rate = dated_irr(flows)
        return rate, rate
    ppy = PERIODS_PER_YEAR[terms.frequency]
    flows = [-net, *(line.total for line in schedule.lines)]
    guess = terms.annual_rate / HUNDRED / ppy
    i = periodic_irr(flows, guess if guess > 0 else Decimal("0.01"))
    return i * ppy, (_ONE + i) ** ppy - _ONE


def kfs_figures(terms: LoanTerms, schedule: Schedule) -> KfsFigures:
    """Return the APR and the totals the KFS states for ``schedule`` of ``terms``."""
    apr, effective = _schedule_irr(terms, schedule)
    totals = schedule.totals()
    fees = totals.fees + schedule.upfront_fees
    payable = totals.total + schedule.upfront_fees + schedule.bpi_separate
    ppy = PERIODS_PER_YEAR.get(terms.frequency)
    return KfsFigures(
        apr=round_to(apr * HUNDRED, 2, RoundingMode.HALF_UP),
        effective_annual_rate=round_to(effective * HUNDRED, 2, RoundingMode.HALF_UP),
        periodic_irr=apr / ppy if ppy else apr,
        net_disbursed=schedule.net_disbursed(),
        total_interest=totals.interest + schedule.bpi_separate,
        total_fees=fees,
        total_payable=payable,
        installment=schedule.installment,
        installments=len(schedule.lines),
        upfront_fees_lender=_upfront_for(terms, schedule, PayableTo.LENDER),
        upfront_fees_third_party=_upfront_for(terms, schedule, PayableTo.THIRD_PARTY),
    )


def _upfront_for(terms: LoanTerms, schedule: Schedule, payee: PayableTo) -> Decimal:
    own = replace(terms, fees=tuple(f for f in terms.fees if f.payable_to is payee))
    return fee_amounts(own, schedule.financed)[0]


def rate_change_impact(terms: LoanTerms, basis_points: int = 25) -> RateImpact:
    """Return the installment and the installment count after a ``basis_points`` change.

    The new installment keeps the tenure; the new count keeps today's installment and
    runs the schedule until the balance is repaid (None if it never is, within 1200).
    Only a declining-balance loan floats; other methods raise ValueError.
    """
    if terms.interest_method is not InterestMethod.DECLINING:
        raise ValueError("only declining-balance loans have a floating rate")
    now = build_schedule(terms)
    new_rate = terms.annual_rate + Decimal(basis_points) / HUNDRED
    after = build_schedule(replace(terms, annual_rate=new_rate))
    return RateImpact(
        basis_points,
        now.installment,
        after.installment,
        len(now.lines),
        _count_keeping_installment(terms, now, new_rate),
    )


def _count_keeping_installment(terms: LoanTerms, now: Schedule, new_rate: Decimal) -> int | None:
    cap = 1200
    periods = build_periods(terms, terms.disbursement_date, 0, cap)
    shape = make_shape(terms, now.financed)._replace(
        fixed_installment=now.installment, stop_when_paid=True
    )
    outcome = amortize(
        now.financed, periods, make_rates(terms, new_rate), shape, make_rounder(terms)
    )
    if len(outcome.lines) == cap and outcome.lines[-1].principal > now.installment:
        return None
    return len(outcome.lines)
