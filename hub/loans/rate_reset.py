"""Floating-rate resets at end-of-day: benchmark + spread from the next installment.

A floating product names a benchmark (e.g. ``EBLR``), a spread and a reset frequency in
months (``reset_months``). Benchmark rates are published with an effective date. A
loan resets on the first due date at least ``reset_months`` months after the previous
reset (the disbursement counts as the first): at that day-end, after the installment
due that day is billed, the loan takes the benchmark rate in force that day plus the
spread, and :func:`lms_core.prepayment.reset_rate` re-amortizes the balance from the
next installment into a new schedule version. The product's ``reset_recompute`` picks
what moves: ``keep_tenor`` (default; the EMI changes) or ``keep_installment`` (the
tenure changes). Resetting only on due dates means the new rate starts with a whole
period, so accrual needs no correction. A reset to the same rate changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.platform.errors import Conflict
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.loans.product import RateType, rules_from_dict
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Loan
from lms_core.persistence.platform import eod_repository
from lms_core.prepayment import Recompute, reset_rate
from lms_core.schedule.build import build_schedule
from lms_core.schedule.lines import Schedule, ScheduleLine
from lms_core.terms_json import parse_terms

log = logging.getLogger("sangam.eod")


class RateResetError(Conflict):
    """A floating-rate loan's reset could not be applied (the message says why).

    A conflict (409) when an API call has to catch the loan up over its reset date:
    the call can succeed once the benchmark rate is published.
    """


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def is_reset_day(disbursed: date, last_reset: date | None, reset_months: int, day: date) -> bool:
    """Return whether a due date ``day`` is the loan's next reset date."""
    since = last_reset or disbursed
    return reset_months > 0 and months_between(since, day) >= reset_months


def apply(session: Session, tenant_id: int, loan_id: int, day: date, actor: str) -> bool:
    """Reset a floating loan with an installment due ``day`` if ``day`` is its reset date.

    Returns whether the rate changed. Raises RateResetError when the reset cannot apply
    (no benchmark rate published, or the new schedule is refused).
    """
    loan = session.get(Loan, loan_id)
    product = loan_repository.product_by_id(session, loan.product_id)
    rules = rules_from_dict(product.rules)
    if rules.rate_type is not RateType.FLOATING or not rules.benchmark:
        return False
    if not is_reset_day(loan.disbursed_on, _last_reset(session, loan.id), rules.reset_months, day):
        return False
    benchmark = eod_repository.rate_on(session, tenant_id, rules.benchmark, day)
    if benchmark is None:
        raise RateResetError(
            f"loan {loan.loan_number}: no {rules.benchmark} rate published on or before {day}"
        )
    policy = Recompute(product.rules.get("reset_recompute", Recompute.KEEP_TENOR))
    changed = _reset(session, loan, benchmark, benchmark + rules.spread, policy, day)
    session.flush()
    return changed


def _last_reset(session: Session, loan_id: int) -> date | None:
    resets = [
        e.business_date for e in loan_repository.events(session, loan_id) if e.kind == "rate_reset"
    ]
    return max(resets, default=None)


def current_schedule(session: Session, loan: Loan) -> Schedule:
    """Return the loan's stored schedule version as an engine Schedule."""
    terms, _ = parse_terms(loan.terms)
    rows = loan_repository.schedule_rows(session, loan.id, loan.schedule_version)
    lines = tuple(
        ScheduleLine(r.number, r.due_date, r.principal, r.interest, r.fees, r.total, r.balance)
        for r in rows
    )
    return replace(build_schedule(terms), lines=lines)


def _reset(
    session: Session, loan: Loan, benchmark: Decimal, rate: Decimal, policy: Recompute, day: date
) -> bool:
    old = loan.annual_rate
    detail = {"benchmark": str(benchmark), "from": str(old), "to": str(rate), "version": None}
    if rate == old:
        loan_repository.add_event(session, loan.id, day, "rate_reset", detail)
        return False
    terms, _ = parse_terms(loan.terms)
    schedule = current_schedule(session, loan)
    paid_through = max(line.number for line in schedule.lines if line.due_date <= day)
    nxt = schedule.lines[paid_through] if paid_through < len(schedule.lines) else None
    if nxt is None:
        return False  # the last installment fell due today: nothing left to re-price
    schedule = replace(schedule, installment=nxt.principal + nxt.interest)
    new, problems = reset_rate(terms, schedule, paid_through, rate, policy)
    if new is None:
        raise RateResetError(
            f"loan {loan.loan_number}: reset to {rate}% refused: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems)
        )
    version = loan.schedule_version + 1
    plan, start = [], terms.disbursement_date
    for line in new.lines:
        plan.append(
            PlannedInstallment(
                line.number, start, line.due_date, line.principal, line.interest, line.fees
            )
        )
        start = line.due_date
    loan_repository.save_schedule(session, loan.id, version, plan, [ln.balance for ln in new.lines])
    loan.annual_rate, loan.schedule_version = rate, version
    detail.update(version=version, installment=str(new.installment), installments=len(new.lines))
    loan_repository.add_event(session, loan.id, day, "rate_reset", detail)
    log.info("loan %s reset %s%% -> %s%% (version %d)", loan.loan_number, old, rate, version)
    return True
