"""Validation of :class:`LoanTerms`: every problem at once, as values.

Each check looks at one concern and yields :class:`Problem` records named with the
public contract's field names; :func:`validate_terms` runs them all. A schedule is built
only from terms with no problems, so the engine never meets a nonsensical input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lms_core.money import HUNDRED, ZERO
from lms_core.schedule.build import financed_amount
from lms_core.schedule.dates import nth_due_date, unadjusted_dates
from lms_core.schedule.problems import Problem
from lms_core.schedule.terms import (
    Amortization,
    Frequency,
    InterestBasis,
    InterestMethod,
    LoanTerms,
)

MAX_INSTALLMENTS = 1200

Check = Callable[[LoanTerms], Iterator[Problem]]


def _amounts(terms: LoanTerms) -> Iterator[Problem]:
    if terms.principal <= 0:
        yield Problem("principal", "must be greater than zero")
    if terms.annual_rate < 0 or terms.annual_rate > 1000:
        yield Problem("annual_rate", "must be between 0 and 1000 (percent per year)")
    if not ZERO <= terms.down_payment_percent < HUNDRED:
        yield Problem("down_payment_percent", "must be at least 0 and below 100")
    if terms.installment_rounding.multiple <= 0:
        yield Problem("installment_rounding.multiple", "must be greater than zero")
    if not 0 <= terms.interest_rounding.places <= 6:
        yield Problem("interest_rounding.places", "must be between 0 and 6")


def _tenure(terms: LoanTerms) -> Iterator[Problem]:
    if terms.frequency is Frequency.CUSTOM:
        return
    if not 1 <= terms.tenure <= MAX_INSTALLMENTS:
        yield Problem("tenure", f"must be between 1 and {MAX_INSTALLMENTS} installments")
    mora = terms.moratorium
    if mora.principal_periods < 0 or mora.interest_periods < 0:
        yield Problem("moratorium", "periods cannot be negative")
    elif mora.principal_periods + mora.interest_periods >= terms.tenure >= 1:
        yield Problem("moratorium", "must leave at least one amortizing installment")


def _first_due(terms: LoanTerms) -> Iterator[Problem]:
    first = terms.first_due_date
    if first is None or terms.frequency is Frequency.CUSTOM:
        return
    if first <= terms.disbursement_date:
        yield Problem("first_due_date", "must be after the disbursement date")
    elif first > nth_due_date(terms.disbursement_date, 2, terms.frequency):
        yield Problem("first_due_date", "must be within two periods of the disbursement")


def _method(terms: LoanTerms) -> Iterator[Problem]:
    if terms.interest_method is InterestMethod.DECLINING:
        return
    if terms.amortization is not Amortization.EQUAL_INSTALLMENT:
        yield Problem("amortization", "flat and rule_of_78 need equal_installment")
    mora = terms.moratorium
    if mora.principal_periods or mora.interest_periods:
        yield Problem("moratorium", "flat and rule_of_78 loans take no moratorium")
    if terms.disbursements:
        yield Problem("disbursements", "tranches need the declining interest method")


def _shape(terms: LoanTerms) -> Iterator[Problem]:
    kind = terms.amortization
    if kind is Amortization.BALLOON and not ZERO < terms.balloon_percent < HUNDRED:
        yield Problem("balloon_percent", "a balloon loan needs a balloon between 0 and 100")
    if kind is not Amortization.BALLOON and terms.balloon_percent:
        yield Problem("balloon_percent", "only a balloon loan takes a balloon")
    step = terms.step
    if kind is Amortization.STEP and step is None:
        yield Problem("step", "a step loan needs step.every and step.percent")
    if step is not None and (step.every < 1 or step.percent <= -HUNDRED):
        yield Problem("step", "every must be at least 1 and percent above -100")


def _custom(terms: LoanTerms) -> Iterator[Problem]:
    is_custom = terms.frequency is Frequency.CUSTOM
    if is_custom != (terms.amortization is Amortization.CUSTOM):
        yield Problem("frequency", "custom dates go with the custom amortization and only it")
        return
    if not is_custom:
        return
    yield from _custom_lines(terms)
    if terms.interest_basis is not InterestBasis.DAILY:
        yield Problem("interest_basis", "custom dates need the daily basis")


def _custom_lines(terms: LoanTerms) -> Iterator[Problem]:
    lines = terms.custom
    if not 1 <= len(lines) <= MAX_INSTALLMENTS:
        yield Problem("custom", f"list between 1 and {MAX_INSTALLMENTS} installments")
        return
    dates = [c.due_date for c in lines]
    if dates[0] <= terms.disbursement_date or dates != sorted(set(dates)):
        yield Problem("custom", "due dates must be after disbursement and strictly increasing")
    by_amount = [c.amount is not None and c.principal_percent is None for c in lines]
    by_percent = [c.principal_percent is not None and c.amount is None for c in lines]
    if not (all(by_amount) or all(by_percent)):
        yield Problem("custom", "give every line an amount, or every line a principal_percent")
    elif all(by_percent) and sum(c.principal_percent or ZERO for c in lines) != HUNDRED:
        yield Problem("custom", "principal percentages must add up to 100")
    elif all(by_amount) and any((c.amount or ZERO) < 0 for c in lines):
        yield Problem("custom", "amounts cannot be negative")


def _tranches(terms: LoanTerms) -> Iterator[Problem]:
    tranches = terms.disbursements
    if not tranches:
        return
    if tranches[0].on != terms.disbursement_date:
        yield Problem("disbursements", "the first tranche is on the disbursement date")
    dates = [t.on for t in tranches]
    if dates != sorted(dates):
        yield Problem("disbursements", "tranche dates must be in order")
    if any(t.amount <= 0 for t in tranches):
        yield Problem("disbursements", "tranche amounts must be greater than zero")
    if sum(t.amount for t in tranches) != financed_amount(terms):
        yield Problem("disbursements", "tranches must add up to the financed amount")
    if terms.frequency is not Frequency.CUSTOM and 1 <= terms.tenure <= MAX_INSTALLMENTS:
        last_due = unadjusted_dates(terms, terms.tenure - 1, 1)[0]
        if dates[-1] >= last_due:
            yield Problem("disbursements", "every tranche must come before the last due date")


def _fees(terms: LoanTerms) -> Iterator[Problem]:
    for index, fee in enumerate(terms.fees):
        if fee.amount < 0:
            yield Problem(f"fees[{index}].amount", "cannot be negative")
        if fee.percent is not None and not ZERO <= fee.percent <= HUNDRED:
            yield Problem(f"fees[{index}].percent", "must be between 0 and 100")


CHECKS: tuple[Check, ...] = (
    _amounts,
    _tenure,
    _first_due,
    _method,
    _shape,
    _custom,
    _tranches,
    _fees,
)


def validate_terms(terms: LoanTerms) -> list[Problem]:
    """Return every problem with ``terms`` (an empty list when they can be scheduled)."""
    return [problem for check in CHECKS for problem in check(terms)]
