"""Daily interest accrual that lands exactly on the interest billed at each due date.

Each installment's interest accrues evenly over its own period: at the day-end of ``d``
the accrued part of installment *i* is ``interest_i x elapsed_days / period_days``,
rounded to the paisa, and the whole ``interest_i`` on its due date. End-of-day posts
the difference between the accrued totals at two day-ends, so daily postings always
sum to the billed interest with no rounding residue (Fineract calls this periodic
accrual). The installment's interest itself comes from the schedule, so every day
count, rounding and broken-period rule of the product is respected.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from lms_core.loans.loan_day import PlannedInstallment
from lms_core.money import ZERO, RoundingMode, round_money


def accrued_on_line(line: PlannedInstallment, day: date) -> Decimal:
    """Return the part of ``line``'s interest accrued by the day-end of ``day``."""
    if day <= line.period_start:
        return ZERO
    if day >= line.due_date:
        return line.interest
    elapsed = (day - line.period_start).days
    period = (line.due_date - line.period_start).days
    return round_money(line.interest * elapsed / period, RoundingMode.HALF_EVEN)


def accrued_to(plan: Sequence[PlannedInstallment], day: date | None) -> Decimal:
    """Return the interest accrued over the whole plan by the day-end of ``day``."""
    if day is None:
        return ZERO
    return sum((accrued_on_line(line, day) for line in plan), ZERO)


def billed_between(
    plan: Sequence[PlannedInstallment], after: date | None, through: date
) -> list[PlannedInstallment]:
    """Return the installments whose due date is in (``after``, ``through``]."""
    return [
        line
        for line in plan
        if (after is None or line.due_date > after) and line.due_date <= through
    ]
