"""One loan's day-end computed from what a partition loads in bulk (pure).

End-of-day for a loan whose previous day-end ran and that has no payment dated today
or later is a replay of one day (:func:`lms_core.loans.loan_day.replay`) plus the
day's accrual and billing. :func:`close_loan_day` computes exactly that from the small
inputs a partition loads in one query each: the accruing schedule line, the loan's
dues when some are unpaid, and its stored class. It returns the day's ledger lines and
sub-ledger changes; the hub writes them for thousands of loans at once.

Why one schedule line is enough: with the accrual through yesterday, today's accrual
is ``accrued(today) - accrued(yesterday)``, which is non-zero only for the line whose
period contains today (the first line due on or after today); earlier lines were
billed and raised as dues on their own due dates, so the replay needs only that line.

Most loans on most days are *quiet*: standard, nothing unpaid, no installment due
today. Their replay is of an empty book (no dues, no DPD, no move), so their day is
only the accrual (:func:`is_quiet`, :func:`day_accrual`); the partition writes those
as plain (loan, amount) rows without building a replay or ledger values for them.

A move into or out of NPA also changes interest in suspense (a ledger balance the
partition does not load): :func:`close_loan_day` returns None and the loan goes
through the full, per-loan path instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lms_core.ledger import Posting
from lms_core.ledger.servicing import day_end_lines
from lms_core.loans.accrual_plan import accrued_on_line
from lms_core.loans.classification import AssetClass
from lms_core.loans.loan_day import DayRules, DueKind, OpenDue, PlannedInstallment, replay
from lms_core.money import ZERO, Currency

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LoanDayStart:
    loan_id: int
    currency: Currency
    asset_class: AssetClass  # at yesterday's day-end


@dataclass(frozen=True, slots=True)
class LoanDayResult:
    postings: tuple[Posting, ...]
    new_dues: tuple[OpenDue, ...]  # raised today
    changed_dues: tuple[OpenDue, ...]  # stored dues whose amount grew (penal accumulates)
    penal: tuple[tuple[date, int, Decimal], ...]
    dpd: int
    asset_class: AssetClass
    class_moves: tuple[tuple[date, AssetClass], ...]


def day_accrual(line: PlannedInstallment | None, day: date) -> Decimal:
    """Return the interest accruing on ``day`` (accrual through the day before)."""
    if line is None or day <= line.period_start or day > line.due_date:
        return ZERO  # outside the line's period nothing accrues on it
    return accrued_on_line(line, day) - accrued_on_line(line, day - ONE_DAY)


def is_quiet(
    asset_class: AssetClass, line: PlannedInstallment | None, has_unpaid: bool, day: date
) -> bool:
    """Return whether the loan's day-end of ``day`` is its accrual alone.

    True for a standard loan with no unpaid due and no installment due on ``day``:
    DPD stays 0, the class standard, and nothing is billed or charged.
    """
    return (
        asset_class is AssetClass.STANDARD
        and not has_unpaid
        and (line is None or line.due_date != day)
    )


def close_loan_day(
    loan: LoanDayStart,
    line: PlannedInstallment | None,
    dues: Sequence[OpenDue],
    rules: DayRules,
    day: date,
) -> LoanDayResult | None:
    """Return the day-end of ``day`` for ``loan``; None when it must take the full path.

    ``line`` is the first schedule line due on or after ``day``; ``dues`` every stored
    due of the loan (may be empty when none is unpaid).
    """
    before = loan.asset_class
    plan = [line] if line is not None and line.due_date == day else []
    if is_quiet(before, line, bool(dues), day):
        return _quiet(loan, line, day)  # replay of an empty book: nothing due, nothing moves
    result = replay(dues, plan, [], rules, day, day, before)
    if (before is AssetClass.NPA) != (result.asset_class is AssetClass.NPA):
        return None
    stored = {d.key: d for d in dues}
    new = tuple(d for d in result.dues if d.key not in stored)
    changed = tuple(d for d in result.dues if d.key in stored and d.amount != stored[d.key].amount)
    postings = day_end_lines(
        loan.loan_id,
        loan.currency,
        npa=before is AssetClass.NPA,
        accrual=day_accrual(line, day),
        billed_interest=plan[0].interest if plan else ZERO,
        billed_fees=plan[0].fees if plan else ZERO,
        penal=sum((a for _, _, a in result.penal), ZERO),
        late_fees=sum((d.amount for d in new if d.key.kind is DueKind.LATE_FEE), ZERO),
    )
    return LoanDayResult(
        tuple(postings),
        new,
        changed,
        result.penal,
        result.dpd,
        result.asset_class,
        result.class_moves,
    )


def _quiet(loan: LoanDayStart, line: PlannedInstallment | None, day: date) -> LoanDayResult:
    accrual = day_accrual(line, day)
    postings = day_end_lines(loan.loan_id, loan.currency, npa=False, accrual=accrual)
    return LoanDayResult(tuple(postings), (), (), (), 0, AssetClass.STANDARD, ())
