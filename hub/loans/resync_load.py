"""What a resync reads, in one step: the loan's stored servicing state from a start date.

:func:`load` reads, once and before the replay, everything the replay and the write
after it need: the current plan, the stored dues and what payments valued before
``start`` hold on them, the payments to replay and their current allocations, the
penal charged from ``start``, the class the loan had before it, the replay's rules
(with a restructured loan's slip before ``start``) and the interest balances income
recognition works from. It returns them as one value, :class:`LoanBook`; nothing
after it goes back to the database to read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lms_core.ledger import OWN_BOOK
from lms_core.ledger.servicing import RECOGNITION_ACCOUNTS
from lms_core.loans.classification import AssetClass
from lms_core.loans.loan_day import DayRules, OpenDue, PlannedInstallment
from lms_core.loans.restructure_rules import first_slip
from lms_core.money import ZERO, Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository, restructure_repository
from lms_core.persistence.loans.loan_repository import LoanAllocation
from lms_core.persistence.loans.models import LoanDue, Repayment
from lms_core.waterfall import Component

if TYPE_CHECKING:
    from hub.loans.resync import LoanContext


@dataclass(frozen=True)
class InterestHeld:
    """The own-book interest balances income recognition works from (rupees)."""

    due: Decimal  # billed, not collected
    receivable: Decimal  # accrued, not billed
    suspense: Decimal  # held out of income (positive)


@dataclass(frozen=True)
class LoanBook:
    """The loan's stored servicing state a replay from ``start`` needs, read once.

    ``dues`` and ``payments`` are the stored rows: the write updates them in place.
    """

    start: date
    eod_through: date  # day-ends run through here
    plan: list[PlannedInstallment]
    dues: list[LoanDue]
    opening: list[OpenDue]  # the dues at the start of ``start``
    payments: list[Repayment]  # posted, valued ``start`` or later, in order
    allocated: dict[int, dict[Component, Decimal]]  # per payment, its allocations
    held_before: dict[int, Decimal]  # per due id, what payments valued earlier hold
    penal: list[tuple[date, int, Decimal]]  # day-end penal charged from ``start``
    advance_before: Decimal  # the excess of the payments valued earlier
    class_before: AssetClass  # at the day-end before ``start``
    rules: DayRules
    interest: InterestHeld


def load(session: Session, tenant_id: int, ctx: LoanContext, start: date, today: date) -> LoanBook:
    """Return the loan's state for a replay from ``start`` (balances as of ``today``)."""
    loan = ctx.loan
    dues = loan_repository.due_rows(session, [loan.id])[loan.id]
    allocations = loan_repository.loan_allocations(session, loan.id)
    penal = loan_repository.penal_charges(session, loan.id, start)
    posted = [r for r in loan_repository.repayments(session, loan.id) if r.status == "posted"]
    payments = [r for r in posted if r.value_date >= start]
    held = loan_repository.held_before(allocations, start)
    return LoanBook(
        start=start,
        eod_through=loan.eod_through or (start - timedelta(days=1)),
        plan=loan_repository.plans(session, [loan])[loan.id],
        dues=dues,
        opening=loan_repository.opening_dues(dues, held, penal, start),
        payments=payments,
        allocated=_by_payment(dues, allocations, {r.id for r in payments}),
        held_before=held,
        penal=penal,
        advance_before=sum((r.excess for r in posted if r.value_date < start), ZERO),
        class_before=_class_before(session, loan.id, start),
        rules=_rules(ctx, dues, allocations, start),
        interest=_interest(session, tenant_id, loan.id, today),
    )


def _by_payment(
    dues: list[LoanDue], allocations: list[LoanAllocation], payments: set[int]
) -> dict[int, dict[Component, Decimal]]:
    """What each payment's current allocations hold, by component."""
    component = {d.id: Component(d.component) for d in dues}
    sums: dict[int, dict[Component, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for a in allocations:
        if a.repayment_id in payments:
            sums[a.repayment_id][component[a.due_id]] += a.amount
    return sums


def _class_before(session: Session, loan_id: int, start: date) -> AssetClass:
    """The asset class the loan had at the day-end before ``start``."""
    cls = AssetClass.STANDARD
    for event in loan_repository.events(session, loan_id):
        if event.kind == "classification" and event.business_date < start:
            cls = AssetClass(event.detail["to"])
    return cls


def _rules(ctx: LoanContext, dues, allocations, start: date) -> DayRules:
    """The replay's rules, with a restructured loan's slip before ``start`` (if any): the
    replay itself watches the days from ``start`` on."""
    rules = ctx.day_rules
    state = rules.restructured
    if state is None or start <= state.on:
        return rules
    history = restructure_repository.settled_dues(dues, allocations, state.on, start)
    slipped = first_slip(state, history.values(), start)
    return replace(rules, restructured=replace(state, slipped=slipped))


def _interest(session: Session, tenant_id: int, loan_id: int, today: date) -> InterestHeld:
    rows = ledger_repository.balances(
        session,
        tenant_id,
        today,
        by=("account",),
        accounts=RECOGNITION_ACCOUNTS,
        owner=OWN_BOOK,
        loan_id=loan_id,
    )
    # why INR: the rupee balances income recognition has always read (balance_of's default)
    balance = {r.account: r.balance for r in rows if r.currency == Currency.INR}
    due, receivable, suspense = (balance.get(a, Decimal("0")) for a in RECOGNITION_ACCOUNTS)
    return InterestHeld(due, receivable, -suspense)
