"""What every life-cycle change of a loan shares: the loan brought to date, its schedule as
the calculation engine sees it, a new schedule version, the receivables, the history row.

**When a change happens.** A prepayment, foreclosure, restructure, write-off or
settlement is applied *after the loan's day-end of the business date*: if that day-end
has not run yet it is run first for this loan (the day's accrual, billing, penal and
classification are in), and the tenant's end-of-day then skips the loan for that day
(it is already through it). So the change sees exactly the position the borrower is
shown for the day, and accruals restart cleanly from the day-end.

**Switching schedules mid-period.** Daily accrual follows the current schedule version
(lms_core.loans.accrual_plan). When a change replaces the lines of the running
period, the interest already accrued under the old lines differs from what the new
lines say was accrued by now; :func:`realign_accrual` returns that difference, which the
change books with its journal (:mod:`lms_core.ledger.lifecycle`), so later day-ends
accrue on the new lines with no residue. Old versions are never deleted.

**Product rules used here** (read from the product JSON, ``0``/absent = off):
``charges_gst_percent`` (GST on prepayment and foreclosure charges), and the existing
``prepayment_charge_percent``, ``foreclosure_charge_percent``, ``prepayment_policy``,
``write_off_dpd`` and the ``written_off`` / ``settlement`` waterfalls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.loans.day_close import catch_up
from hub.loans.errors import LoanWrongStatus
from hub.loans.resync import LoanContext, context
from hub.platform.errors import Conflict, NotFound
from lms_core.ledger import OWN_BOOK
from lms_core.ledger.lifecycle import POSITION_ACCOUNTS, Booking, Position
from lms_core.loans.accrual_plan import accrued_to
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.loans.status import LoanStatus
from lms_core.money import ZERO, Currency, D
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import lifecycle_repository, loan_repository
from lms_core.persistence.loans.lifecycle_models import LoanChange
from lms_core.persistence.loans.models import Loan
from lms_core.persistence.platform import tenant_repository
from lms_core.prepayment import Charges
from lms_core.schedule.build import build_schedule
from lms_core.schedule.lines import Schedule, ScheduleLine
from lms_core.schedule.terms import LoanTerms
from lms_core.terms_json import parse_terms
from lms_core.waterfall import Component, Strategy


@dataclass(frozen=True)
class Loaded:
    """A loan ready for a change: locked, brought through today's day-end."""

    loan: Loan
    ctx: LoanContext
    terms: LoanTerms
    today: date
    plan: list[PlannedInstallment]


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def gst_percent(loan_ctx: LoanContext, session: Session) -> Decimal:
    product = loan_repository.product_by_id(session, loan_ctx.loan.product_id)
    return D(str(product.rules.get("charges_gst_percent") or "0"))


def charges(session: Session, ctx: LoanContext, percent: Decimal) -> Charges:
    """Return the charge rule ``percent`` with the product's GST on charges (if any)."""
    return Charges(percent, gst_percent(ctx, session))


def get_loan(session: Session, tenant_id: int, loan_id: int, *, lock: bool = False) -> Loan:
    loan = loan_repository.get_loan(session, tenant_id, loan_id, lock=lock)
    if loan is None:
        raise NotFound(f"loan {loan_id} not found")
    return loan


def require_status(loan: Loan, *allowed: LoanStatus) -> None:
    """Raise :class:`LoanWrongStatus` (409, ``loan.not_<status>``) unless ``loan`` is in one
    of ``allowed``."""
    if loan.status not in allowed:
        raise LoanWrongStatus(loan.loan_number, loan.status, tuple(str(a) for a in allowed))


def through_today(session: Session, tenant_id: int, loan: Loan, actor: str) -> Loaded:
    """Run the loan's missing day-ends through the business date; return it ready to change."""
    today = tenant_repository.business_date(session, tenant_id)
    ctx = context(session, loan)
    catch_up(session, tenant_id, ctx, today + timedelta(days=1), actor)
    return _loaded(session, loan, ctx, today)


def loaded_as_is(session: Session, tenant_id: int, loan: Loan) -> Loaded:
    """Return the loan as stored (for a quote: nothing is run or written)."""
    today = tenant_repository.business_date(session, tenant_id)
    return _loaded(session, loan, context(session, loan), today)


def _loaded(session: Session, loan: Loan, ctx: LoanContext, today: date) -> Loaded:
    terms, problems = parse_terms(loan.terms)
    if terms is None:
        raise Conflict(f"loan {loan.loan_number} has unreadable terms: {problems}")
    plan = loan_repository.plans(session, [loan])[loan.id]
    return Loaded(loan, ctx, terms, today, plan)


def billed_count(plan: Sequence[PlannedInstallment], today: date) -> int:
    """Return how many installments fall due on or before ``today``."""
    return sum(1 for line in plan if line.due_date <= today)


def current_schedule(session: Session, it: Loaded) -> Schedule:
    """Return the loan's current schedule version as the calculation engine's Schedule.

    Balances are those of the current version (each line's balance = the principal of
    the lines after it), so a second change in one period starts from the right balance.
    """
    base = build_schedule(it.terms)
    if it.loan.schedule_version == 1:
        return base
    rows = loan_repository.schedule_rows(session, it.loan.id, it.loan.schedule_version)
    after = remaining_after([r.principal for r in rows])
    lines = tuple(
        ScheduleLine(r.number, r.due_date, r.principal, r.interest, r.fees, r.total, bal)
        for r, bal in zip(rows, after, strict=True)
    )
    change = lifecycle_repository.last_version_change(session, it.loan.id, it.loan.schedule_version)
    detail = change.detail if change is not None else {}
    return replace(
        base,
        lines=lines,
        financed=sum((r.principal for r in rows), ZERO),
        installment=D(detail.get("installment", str(base.installment))),
        capitalised_interest=D(detail.get("capitalised_interest", "0")),
    )


def remaining_after(principals: Sequence[Decimal]) -> list[Decimal]:
    """Return, for each line, the principal of the lines after it (its closing balance)."""
    out, left = [], sum(principals, ZERO)
    for principal in principals:
        left -= principal
        out.append(left)
    return out


def planned(schedule: Schedule, terms: LoanTerms) -> list[PlannedInstallment]:
    """Return ``schedule`` as planned installments (each period starts at the previous due)."""
    plan, start = [], terms.disbursement_date
    for line in schedule.lines:
        plan.append(
            PlannedInstallment(
                line.number, start, line.due_date, line.principal, line.interest, line.fees
            )
        )
        start = line.due_date
    return plan


def save_version(session: Session, loan: Loan, plan: list[PlannedInstallment]) -> int:
    """Store ``plan`` as the loan's next schedule version and make it current; return it.

    Each line's balance is the principal of the lines after it in this version.
    """
    version = loan.schedule_version + 1
    balances = remaining_after([line.principal for line in plan])
    loan_repository.save_schedule(session, loan.id, version, plan, balances)
    loan.schedule_version = version
    return version


def realign_accrual(
    old: Sequence[PlannedInstallment], new: Sequence[PlannedInstallment], through: date | None
) -> Decimal:
    """Return the interest accrued by ``through`` under ``new`` less that under ``old``."""
    return accrued_to(new, through) - accrued_to(old, through)


def position(session: Session, tenant_id: int, loan: Loan, today: date) -> Position:
    """Return the loan's own-book receivables and holdings from the ledger."""
    rows = ledger_repository.balances(
        session,
        tenant_id,
        today,
        by=("account",),
        owner=OWN_BOOK,
        loan_id=loan.id,
        accounts=POSITION_ACCOUNTS,
    )
    return Position.of({r.account: r.balance for r in rows if r.currency == loan.currency})


def booking(loan: Loan, today: date) -> Booking:
    """Return where a change of ``loan`` on ``today`` is booked (its journal's builders)."""
    return Booking(loan.id, Currency(loan.currency), today)


def component_order(strategy: Strategy) -> tuple[Component, ...]:
    """Return the components in the order a strategy first names them (a waterfall as data)."""
    return tuple(dict.fromkeys(step.component for step in strategy.steps))


def allocate_components(
    amount: Decimal, owed: dict[Component, Decimal], order: Iterable[Component]
) -> tuple[dict[Component, Decimal], Decimal]:
    """Return (taken per component, left over) paying ``owed`` in ``order``."""
    taken: dict[Component, Decimal] = {}
    left = amount
    for component in order:
        take = min(left, max(owed.get(component, ZERO), ZERO))
        taken[component] = take
        left -= take
    return taken, left


def record(
    session: Session,
    loan: Loan,
    kind: str,
    today: date,
    actor: str,
    detail: dict[str, Any],
    **fields: Any,
) -> LoanChange:
    """Add the loan's history row for a change (and the matching ``loan_event``)."""
    change = LoanChange(
        tenant_id=loan.tenant_id,
        branch_id=loan.branch_id,
        loan_id=loan.id,
        kind=kind,
        business_date=today,
        actor=actor,
        detail=detail,
        **fields,
    )
    lifecycle_repository.add_change(session, change)
    loan_repository.add_event(session, loan.id, today, kind, {"change": change.id, **detail})
    return change
