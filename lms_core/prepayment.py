"""Changing a running loan: part prepayment, foreclosure quote, rate reset, restructure.

Every change takes the loan after installment ``paid_through`` (installments 1 ..
``paid_through`` are settled and stay as they were) and re-amortizes the balance from
the next due date with the declining-balance engine. Due dates keep following the
original anchor, so a longer tenor simply takes the next dates of the same series.

Two re-computation policies (:class:`Recompute`):

* ``keep_installment``: the EMI stays and the tenor changes (a prepayment shortens the
  loan, a rate rise lengthens it; the rise fails if the EMI no longer covers the
  interest, since negative amortization is not offered);
* ``keep_tenor``: the number of installments stays and the EMI is re-computed.

Prepayment: the prepaid amount leaves the balance on its date; the interest it earned
from the period's start to that date is collected with it (daily, per the day count),
and the next installment's interest runs on the reduced balance. A charge of
``percent`` of the prepaid amount applies, plus tax (GST-like) at ``tax_percent`` of
the charge. Foreclosure quote: principal outstanding + interest accrued since the last
due date (daily, per the day count) + the dues still unpaid + the charge and its tax.

Only declining-balance loans with equal installments, equal principal or bullet
repayment can be changed here; moratoria of the original terms must be over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms_core.daycount import year_fraction
from lms_core.money import HUNDRED, ZERO, round_money
from lms_core.schedule.build import fee_amounts, make_rates, make_rounder
from lms_core.schedule.dates import build_periods
from lms_core.schedule.declining import Shape, amortize
from lms_core.schedule.lines import Schedule, ScheduleLine
from lms_core.schedule.problems import Problem
from lms_core.schedule.terms import Amortization, InterestMethod, LoanTerms, MoratoriumInterest

MAX_INSTALLMENTS = 1200
_CHANGEABLE = (Amortization.EQUAL_INSTALLMENT, Amortization.EQUAL_PRINCIPAL, Amortization.BULLET)


class Recompute(StrEnum):
    KEEP_INSTALLMENT = "keep_installment"  # reduce (or extend) the tenor
    KEEP_TENOR = "keep_tenor"  # reduce (or raise) the installment


class Treatment(StrEnum):
    CAPITALISE = "capitalise"  # added to the principal
    CARRY_FORWARD = "carry_forward"  # due with the first installment after the change


@dataclass(frozen=True, slots=True)
class Charges:
    """A charge of ``percent`` of the base amount, taxed at ``tax_percent`` of the charge."""

    percent: Decimal = ZERO
    tax_percent: Decimal = ZERO

    def on(self, base: Decimal) -> tuple[Decimal, Decimal]:
        """Return (charge, tax) on ``base``, each rounded to the paisa."""
        charge = round_money(base * self.percent / HUNDRED)
        return charge, round_money(charge * self.tax_percent / HUNDRED)


@dataclass(frozen=True, slots=True)
class PrepaymentResult:
    schedule: Schedule
    principal: Decimal
    interest: Decimal  # on the prepaid amount, period start to prepayment date
    charge: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        """Return what the borrower pays on the prepayment date."""
        return self.principal + self.interest + self.charge + self.tax


@dataclass(frozen=True, slots=True)
class ForeclosureQuote:
    as_of: date
    principal: Decimal
    accrued_interest: Decimal
    unpaid_dues: Decimal
    charge: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        """Return the amount that closes the loan on ``as_of``."""
        return self.principal + self.accrued_interest + self.unpaid_dues + self.charge + self.tax


@dataclass(frozen=True, slots=True)
class RestructurePlan:
    """New terms from the next installment; None keeps the current rate."""

    installments: int
    annual_rate: Decimal | None = None
    moratorium_periods: int = 0  # payment holiday before the new installments
    moratorium_interest: MoratoriumInterest = MoratoriumInterest.CAPITALISE
    overdue_interest: Decimal = ZERO
    overdue_charges: Decimal = ZERO
    treatment: Treatment = Treatment.CAPITALISE


def _checks(terms: LoanTerms, schedule: Schedule, paid_through: int) -> list[Problem]:
    problems = []
    if terms.interest_method is not InterestMethod.DECLINING:
        problems.append(Problem("interest_method", "only declining-balance loans change"))
    if terms.amortization not in _CHANGEABLE:
        problems.append(Problem("amortization", f"{terms.amortization} loans cannot change"))
    mora = terms.moratorium
    if paid_through < mora.interest_periods + mora.principal_periods:
        problems.append(Problem("paid_through", "the original moratorium is not over"))
    if not 0 <= paid_through < len(schedule.lines):
        problems.append(Problem("paid_through", "must name a paid installment before the last"))
    return problems


def _balance_after(schedule: Schedule, paid_through: int) -> Decimal:
    return schedule.lines[paid_through - 1].balance if paid_through else schedule.financed


def period_start(terms: LoanTerms, index: int) -> date:
    """Return where interest of installment ``index + 1`` starts (0 = the disbursement)."""
    if index == 0:
        return terms.disbursement_date
    return build_periods(terms, terms.disbursement_date, index - 1, 1)[0].accrual_end


def _reamortize(
    terms: LoanTerms,
    schedule: Schedule,
    paid_through: int,
    balance: Decimal,
    policy: Recompute,
    count: int | None = None,
    rate: Decimal | None = None,
    shape: Shape | None = None,
) -> tuple[list[ScheduleLine], Decimal, Decimal]:
    """Return (new lines, installment, capitalised) re-amortizing ``balance``."""
    keep = policy is Recompute.KEEP_INSTALLMENT
    left = count if count is not None else len(schedule.lines) - paid_through
    span = MAX_INSTALLMENTS - paid_through if keep else left
    start = period_start(terms, paid_through)
    periods = build_periods(terms, start, paid_through, span)
    shape = shape or Shape(amortization=terms.amortization)
    if keep:
        shape = shape._replace(fixed_installment=schedule.installment, stop_when_paid=True)
    fee = fee_amounts(terms, schedule.financed)[1]
    outcome = amortize(
        balance, periods, make_rates(terms, rate), shape, make_rounder(terms), fee, paid_through + 1
    )
    return outcome.lines, outcome.installment, outcome.capitalised


def _never_repays(lines: list[ScheduleLine], installment: Decimal, policy: Recompute) -> bool:
    if policy is not Recompute.KEEP_INSTALLMENT or len(lines) < 2:
        return False
    return lines[0].principal == 0 or lines[-1].principal > installment


def prepay(
    terms: LoanTerms,
    schedule: Schedule,
    paid_through: int,
    amount: Decimal,
    on: date,
    policy: Recompute = Recompute.KEEP_INSTALLMENT,
    charges: Charges = Charges(),
) -> tuple[PrepaymentResult | None, list[Problem]]:
    """Return the schedule after prepaying ``amount`` of principal on ``on``, with charges."""
    problems = _checks(terms, schedule, paid_through)
    if problems:
        return None, problems
    balance = _balance_after(schedule, paid_through)
    start = period_start(terms, paid_through)
    next_due = schedule.lines[paid_through].due_date
    if not 0 < amount < balance:
        problems.append(Problem("amount", f"must be above 0 and below the balance {balance}"))
    if not start <= on < next_due:
        problems.append(Problem("on", f"must fall between {start} and {next_due}"))
    if problems:
        return None, problems
    rates = make_rates(terms)
    interest = round_money(amount * rates.annual * year_fraction(start, on, terms.day_count))
    lines, installment, _ = _reamortize(terms, schedule, paid_through, balance - amount, policy)
    new = replace(schedule, lines=(*schedule.lines[:paid_through], *lines), installment=installment)
    charge, tax = charges.on(amount)
    return PrepaymentResult(new, amount, interest, charge, tax), []


def foreclosure_quote(
    terms: LoanTerms,
    schedule: Schedule,
    as_of: date,
    unpaid_dues: Decimal = ZERO,
    charges: Charges = Charges(),
) -> ForeclosureQuote:
    """Return what closes the loan on ``as_of``.

    ``unpaid_dues`` is everything billed and still open (installments, fees, penal
    charges); the installments due on or before ``as_of`` count as billed.
    """
    billed = sum(1 for line in schedule.lines if line.due_date <= as_of)
    principal = _balance_after(schedule, billed)
    start = period_start(terms, billed)
    accrued = ZERO
    if principal > 0 and as_of > start:
        fraction = year_fraction(start, as_of, terms.day_count)
        accrued = round_money(principal * make_rates(terms).annual * fraction)
    charge, tax = charges.on(principal)
    return ForeclosureQuote(as_of, principal, accrued, unpaid_dues, charge, tax)


def reset_rate(
    terms: LoanTerms,
    schedule: Schedule,
    paid_through: int,
    new_rate: Decimal,
    policy: Recompute = Recompute.KEEP_TENOR,
) -> tuple[Schedule | None, list[Problem]]:
    """Return the schedule with ``new_rate`` (percent) from installment ``paid_through + 1``."""
    problems = _checks(terms, schedule, paid_through)
    if new_rate < 0:
        problems.append(Problem("annual_rate", "cannot be negative"))
    if problems:
        return None, problems
    balance = _balance_after(schedule, paid_through)
    lines, installment, _ = _reamortize(
        terms, schedule, paid_through, balance, policy, rate=new_rate
    )
    if _never_repays(lines, schedule.installment, policy):
        return None, [Problem("annual_rate", "the installment no longer repays the loan")]
    lines_all = (*schedule.lines[:paid_through], *lines)
    return replace(schedule, lines=lines_all, installment=installment), []


def restructure(
    terms: LoanTerms, schedule: Schedule, paid_through: int, plan: RestructurePlan
) -> tuple[Schedule | None, list[Problem]]:
    """Return the restructured schedule from installment ``paid_through + 1``.

    Overdue interest and charges are capitalised into the balance or carried forward
    to the first installment after the new moratorium (interest and fees columns).
    """
    problems = _checks(terms, schedule, paid_through)
    if not plan.moratorium_periods < plan.installments <= MAX_INSTALLMENTS:
        problems.append(Problem("installments", "must exceed the moratorium, up to 1200"))
    if plan.overdue_interest < 0 or plan.overdue_charges < 0:
        problems.append(Problem("overdue", "overdue amounts cannot be negative"))
    if problems:
        return None, problems
    balance = _balance_after(schedule, paid_through)
    capitalise = plan.treatment is Treatment.CAPITALISE
    if capitalise:
        balance += plan.overdue_interest + plan.overdue_charges
    shape = Shape(
        amortization=terms.amortization,
        interest_free=plan.moratorium_periods,
        capitalise=plan.moratorium_interest is MoratoriumInterest.CAPITALISE,
    )
    lines, installment, capitalised = _reamortize(
        terms, schedule, paid_through, balance, Recompute.KEEP_TENOR,
        plan.installments, plan.annual_rate, shape,
    )  # fmt: skip
    if not capitalise:
        lines = _carry_forward(lines, plan.moratorium_periods, plan)
    new = replace(
        schedule,
        lines=(*schedule.lines[:paid_through], *lines),
        installment=installment,
        capitalised_interest=schedule.capitalised_interest + capitalised,
    )
    return new, []


def _carry_forward(
    lines: list[ScheduleLine], moratorium: int, plan: RestructurePlan
) -> list[ScheduleLine]:
    first = lines[moratorium]
    interest = first.interest + plan.overdue_interest
    fees = first.fees + plan.overdue_charges
    total = first.principal + interest + fees
    carried = first._replace(interest=interest, fees=fees, total=total)
    return [*lines[:moratorium], carried, *lines[moratorium + 1 :]]
