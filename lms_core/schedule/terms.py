"""Loan terms: the immutable description of a loan that a repayment schedule is built from.

A :class:`LoanTerms` value says *what was agreed*: the amount, the rate, how many
installments at what frequency, how interest is computed and how the installment is
shaped. :func:`lms_core.schedule.build.build_schedule` turns it into lines;
:func:`lms_core.schedule.validate.validate_terms` lists every problem with it first.

Vocabulary

* **Interest method**: ``declining`` (interest on the outstanding balance each period),
  ``flat`` (interest on the original amount for the whole tenure, spread evenly) or
  ``rule_of_78`` (flat total interest, front-loaded by the sum-of-digits).
* **Interest basis**: ``period`` (annual rate / periods per year, every regular period
  earns the same rate) or ``daily`` (annual rate × year fraction of the actual period
  per the day count).
* **Amortization**: ``equal_installment`` (EMI / annuity), ``equal_principal``,
  ``bullet`` (interest only, principal at the end), ``balloon`` (EMI plus a final
  balloon of ``balloon_percent`` of the amount), ``step`` (EMI changing by
  ``step.percent`` every ``step.every`` installments: step-up if positive, step-down if
  negative) and ``custom`` (explicit due dates with installment amounts or principal
  percentages: seasonal schedules).
* **Moratorium**: the first ``interest_periods`` installments pay nothing (interest is
  capitalised or collected with the first paying installment, per
  ``interest_treatment``); the next ``principal_periods`` pay interest only; the rest
  amortize. Both count inside ``tenure``.
* **Broken period**: when the first due date lies more than one period after the
  disbursement, the extra days earn broken-period interest (BPI), added to the first
  installment or charged at disbursement (``broken_period``). A first period shorter
  than a regular one always reduces the first installment's interest.
* **Holiday adjustment**: due dates falling on a non-business day of ``calendar`` move
  per ``convention``. ``accrual_end`` says whether daily interest runs to the adjusted
  payment date or to the unadjusted contractual date (the default, so a holiday does
  not change the interest). Under the ``period`` basis interest does not depend on the
  day count of a period, so the choice only matters for ``daily``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms_core.calendar import NO_HOLIDAYS, BusinessDayConvention, HolidayCalendar
from lms_core.daycount import DayCount
from lms_core.money import PAISA, ZERO, Currency, RoundingMode


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    CUSTOM = "custom"


PERIODS_PER_YEAR: dict[Frequency, int] = {
    Frequency.WEEKLY: 52,
    Frequency.BIWEEKLY: 26,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
    Frequency.HALF_YEARLY: 2,
    Frequency.YEARLY: 1,
}
MONTHS_PER_PERIOD: dict[Frequency, int] = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}
DAYS_PER_PERIOD: dict[Frequency, int] = {Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14}


class InterestMethod(StrEnum):
    DECLINING = "declining"
    FLAT = "flat"
    RULE_OF_78 = "rule_of_78"


class Amortization(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"
    EQUAL_PRINCIPAL = "equal_principal"
    BULLET = "bullet"
    BALLOON = "balloon"
    STEP = "step"
    CUSTOM = "custom"


class InterestBasis(StrEnum):
    PERIOD = "period"
    DAILY = "daily"


class BrokenPeriod(StrEnum):
    ADD_TO_FIRST = "add_to_first"
    SEPARATE = "separate"  # BPI collected at disbursement


class MoratoriumInterest(StrEnum):
    CAPITALISE = "capitalise"
    COLLECT_LATER = "collect_later"


class AccrualEnd(StrEnum):
    UNADJUSTED = "unadjusted"
    ADJUSTED = "adjusted"


class FeeKind(StrEnum):
    UPFRONT_DEDUCTED = "upfront_deducted"  # netted from the disbursement
    UPFRONT_COLLECTED = "upfront_collected"  # paid by the borrower at disbursement
    PER_INSTALLMENT = "per_installment"


class PayableTo(StrEnum):
    LENDER = "lender"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True, slots=True)
class InstallmentRounding:
    """The installment (or the principal part, for equal principal) is a multiple of this."""

    multiple: Decimal = PAISA
    mode: RoundingMode = RoundingMode.HALF_UP


@dataclass(frozen=True, slots=True)
class InterestRounding:
    """Each installment's interest is rounded to ``places`` with ``mode``."""

    places: int = 2
    mode: RoundingMode = RoundingMode.HALF_EVEN


@dataclass(frozen=True, slots=True)
class Moratorium:
    principal_periods: int = 0
    interest_periods: int = 0
    interest_treatment: MoratoriumInterest = MoratoriumInterest.CAPITALISE


@dataclass(frozen=True, slots=True)
class Fee:
    """A charge: a fixed ``amount`` or ``percent`` of the principal; per installment or once."""

    name: str
    amount: Decimal = ZERO
    percent: Decimal | None = None
    payable_to: PayableTo = PayableTo.LENDER
    kind: FeeKind = FeeKind.UPFRONT_DEDUCTED


@dataclass(frozen=True, slots=True)
class Step:
    """Step EMI: the installment changes by ``percent`` every ``every`` installments."""

    every: int
    percent: Decimal


@dataclass(frozen=True, slots=True)
class CustomInstallment:
    """One line of a custom schedule: a due date with a total amount or a principal %."""

    due_date: date
    amount: Decimal | None = None
    principal_percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Tranche:
    """A disbursement of ``amount`` on ``on``; the first tranche is on the disbursement date."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """The agreed terms of a loan; see the module docstring for the vocabulary."""

    principal: Decimal
    annual_rate: Decimal  # percent per year, e.g. Decimal("15") for 15 %
    tenure: int  # number of installments (ignored for custom: the dates give it)
    frequency: Frequency
    disbursement_date: date
    first_due_date: date | None = None
    currency: Currency = Currency.INR
    interest_method: InterestMethod = InterestMethod.DECLINING
    amortization: Amortization = Amortization.EQUAL_INSTALLMENT
    interest_basis: InterestBasis = InterestBasis.PERIOD
    day_count: DayCount = DayCount.ACT_365F
    installment_rounding: InstallmentRounding = InstallmentRounding()
    interest_rounding: InterestRounding = InterestRounding()
    moratorium: Moratorium = Moratorium()
    down_payment_percent: Decimal = ZERO
    disbursements: tuple[Tranche, ...] = ()
    fees: tuple[Fee, ...] = ()
    broken_period: BrokenPeriod = BrokenPeriod.ADD_TO_FIRST
    balloon_percent: Decimal = ZERO
    step: Step | None = None
    custom: tuple[CustomInstallment, ...] = ()
    calendar: HolidayCalendar = field(default=NO_HOLIDAYS)
    convention: BusinessDayConvention = BusinessDayConvention.NONE
    accrual_end: AccrualEnd = AccrualEnd.UNADJUSTED
    stick_to_month_end: bool = False  # an anchor on a month's last day stays on last days
