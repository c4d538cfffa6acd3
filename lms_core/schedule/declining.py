"""The declining-balance engine: one loop for every amortization shape.

Each period the outstanding balance earns interest (``balance × period rate`` under the
period basis, ``balance × annual rate × year fraction`` under the daily basis), rounded
to the interest quantum. What the installment then pays off depends on the phase:

1. interest moratorium (the first ``Shape.interest_free`` periods): nothing is paid;
   the interest is capitalised into the balance or deferred to the first paying line;
2. principal moratorium (the next ``Shape.interest_only``): interest only;
3. amortization: the installment is fixed when the phase starts (and again after a
   tranche is disbursed) from the balance and the installments left, then each line's
   principal is the installment less the interest.

Interest carried into a line (deferred moratorium interest, broken-period interest
added to the first installment) is paid *on top of* the installment: it does not eat
into that line's principal. A negative broken-period interest (short first period)
lowers the first installment the same way.

The installment for an annuity is the standard EMI formula ``B·r·(1+r)^m / ((1+r)^m − 1)``
rounded to the product's multiple; a balloon subtracts the balloon's present value
first; a step schedule divides by the present value of the step multipliers. The last
line (or, with ``stop_when_paid``, the first line whose principal would clear the
balance) takes the whole remaining balance, so principal sums exactly to what was lent.

The loop trusts its inputs: :mod:`lms_core.schedule.validate` has checked them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lms_core.daycount import DayCount, year_fraction
from lms_core.schedule.dates import Period
from lms_core.schedule.lines import ScheduleLine
from lms_core.schedule.terms import Amortization, InterestBasis, Step

_ONE = Decimal(1)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_ANNUITY_LIKE = frozenset({Amortization.EQUAL_INSTALLMENT, Amortization.BALLOON})


class Rates(NamedTuple):
    period_rate: Decimal  # annual fraction / periods per year
    annual: Decimal  # annual rate as a fraction (0.15 for 15 %)
    basis: InterestBasis
    day_count: DayCount


class Rounder(NamedTuple):
    multiple: Decimal
    mode: str  # a decimal.ROUND_* constant
    interest_quantum: Decimal
    interest_mode: str

    def installment(self, value: Decimal) -> Decimal:
        """Return ``value`` rounded to the installment multiple (kept at two places)."""
        units = (value / self.multiple).quantize(_ONE, rounding=self.mode)
        return (units * self.multiple).quantize(Decimal("0.01"))


class Shape(NamedTuple):
    amortization: Amortization = Amortization.EQUAL_INSTALLMENT
    interest_free: int = 0
    capitalise: bool = True
    interest_only: int = 0
    balloon: Decimal = _ZERO
    step: Step | None = None
    custom_amounts: tuple[Decimal | None, ...] = ()
    custom_principals: tuple[Decimal | None, ...] = ()
    fixed_installment: Decimal | None = None
    stop_when_paid: bool = False


class Outcome(NamedTuple):
    lines: list[ScheduleLine]
    installment: Decimal
    capitalised: Decimal


def annuity(balance: Decimal, rate: Decimal, count: int) -> Decimal:
    """Return the unrounded level installment repaying ``balance`` over ``count`` periods."""
    if rate == 0:
        return balance / count
    growth = (_ONE + rate) ** count
    return balance * rate * growth / (growth - _ONE)


def _step_multiplier(step: Step, index: int) -> Decimal:
    return (_ONE + step.percent / _HUNDRED) ** (index // step.every)


def _installment(shape: Shape, balance: Decimal, rate: Decimal, j: int, left: int) -> Decimal:
    """Return the unrounded base installment for amortizing line ``j`` with ``left`` to go."""
    kind = shape.amortization
    if kind is Amortization.EQUAL_PRINCIPAL:
        return balance / left
    if kind is Amortization.BULLET:
        return balance * rate  # the regular interest-only payment
    if kind is Amortization.CUSTOM:
        return _ZERO  # the custom lines give their own amounts
    if kind is Amortization.BALLOON:
        discount = (_ONE + rate) ** -left
        return annuity(balance - shape.balloon * discount, rate, left)
    if kind is Amortization.STEP and shape.step is not None:
        v = _ONE / (_ONE + rate)
        present = sum(_step_multiplier(shape.step, j + i) * v ** (i + 1) for i in range(left))
        return balance / present
    return annuity(balance, rate, left)


def _principal_part(
    shape: Shape, base: Decimal, rounder: Rounder, j: int, k: int, interest: Decimal, lent: Decimal
) -> Decimal:
    kind = shape.amortization
    if kind is Amortization.BULLET:
        return _ZERO
    if kind is Amortization.CUSTOM:
        amount = shape.custom_amounts[k] if shape.custom_amounts else None
        if amount is not None:
            return amount - interest
        return (lent * shape.custom_principals[k] / _HUNDRED).quantize(Decimal("0.01"))
    if kind is Amortization.STEP and shape.step is not None:
        return rounder.installment(base * _step_multiplier(shape.step, j)) - interest
    if kind is Amortization.EQUAL_PRINCIPAL:
        return base
    return base - interest


def _tranche_interest(
    tranches: list[tuple[date, Decimal]], end: date, rates: Rates
) -> tuple[Decimal, Decimal]:
    """Pop the tranches disbursed before ``end``; return (amount added, their interest)."""
    added = interest = _ZERO
    while tranches and tranches[0][0] < end:
        on, amount = tranches.pop(0)
        added += amount
        interest += amount * rates.annual * year_fraction(on, end, rates.day_count)
    return added, interest


def amortize(
    balance: Decimal,
    periods: Sequence[Period],
    rates: Rates,
    shape: Shape,
    rounder: Rounder,
    fee: Decimal = _ZERO,
    first_number: int = 1,
    extra_first_interest: Decimal = _ZERO,
    tranches: Sequence[tuple[date, Decimal]] = (),
) -> Outcome:
    """Return the lines for ``periods`` starting from ``balance``; see the module docstring.

    ``periods`` may be longer than needed when ``shape.stop_when_paid`` is set (keep the
    installment, shorten the tenor); the loop stops at the line that clears the balance.
    """
    lines: list[ScheduleLine] = []
    append = lines.append
    daily = rates.basis is InterestBasis.DAILY
    r, annual, dc = rates.period_rate, rates.annual, rates.day_count
    q, qmode = rounder.interest_quantum, rounder.interest_mode
    free, io = shape.interest_free, shape.interest_only
    n = len(periods)
    pending = sorted(tranches)
    base = shape.fixed_installment
    lent = balance + sum(a for _, a in pending)
    recompute = base is None
    deferred = capitalised = _ZERO
    extra = extra_first_interest
    bal = balance
    annuity_like = shape.amortization in _ANNUITY_LIKE
    paying_from = free + io
    new, Line = tuple.__new__, ScheduleLine  # skips NamedTuple's Python-level __new__
    for k, (start, end, due, _unadjusted) in enumerate(periods):
        raw = bal * annual * year_fraction(start, end, dc) if daily else bal * r
        if pending:
            added, tranche_interest = _tranche_interest(pending, end, rates)
            if added:
                bal += added
                raw += tranche_interest
                recompute = recompute or shape.fixed_installment is None
        interest = raw.quantize(q, rounding=qmode)
        if extra:  # broken-period interest rides on the installment, not on its principal
            deferred += extra.quantize(q, rounding=qmode)
            extra = _ZERO
        number = first_number + k
        if k < free:
            if shape.capitalise:
                bal += interest + deferred
                capitalised += interest + deferred
                deferred = _ZERO
            else:
                deferred += interest
            append(new(Line, (number, due, _ZERO, _ZERO, fee, fee, bal)))
            continue
        charged = interest
        if deferred:
            charged = max(interest + deferred, _ZERO)
            deferred = _ZERO
        if k < paying_from:
            append(new(Line, (number, due, _ZERO, charged, fee, charged + fee, bal)))
            continue
        j = k - paying_from
        if recompute:
            base = rounder.installment(_installment(shape, bal, r, j, n - k))
            recompute = False
        if annuity_like:
            principal = base - interest
        else:
            principal = _principal_part(shape, base, rounder, j, k, interest, lent)
        if principal < 0:
            principal = _ZERO
        last = k == n - 1 or (shape.stop_when_paid and principal >= bal)
        if last or principal > bal:
            principal = bal
        bal -= principal
        total = principal + charged + fee if fee else principal + charged
        append(new(Line, (number, due, principal, charged, fee, total, bal)))
        if last or (shape.stop_when_paid and bal == 0):
            break
    return Outcome(lines, base if base is not None else _ZERO, capitalised)
