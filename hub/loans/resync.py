"""Bring a loan's stored state in line with a replay of its days (see lms_core.loans.loan_day).

:func:`resync` replays a loan from ``start`` (the earliest value date a change touches)
and books the difference: dues and allocations are rewritten, a repayment whose
allocation changed gets its journal reversed and re-posted, penal charges and late
fees are trued up by adjustment journals, the asset class follows the replay, and
interest in suspense is set to what an NPA must hold. Running it twice changes
nothing the second time.

A *restructured* loan is classified by RBI's restructuring norms
(:func:`lms_core.loans.classification.classify_restructured`): whether it stayed
out of default in the specified period is read from the settled history before
``start`` and, when the replay reaches the period's end, from the replay itself.

Dues a replay raised *ahead of the day-end* (a payment valued today raises today's
installment) stay stored when a later replay no longer reaches their day (the payment
was reversed the same day): they are rewritten from the allocations that remain, so
they never show a stale ``paid``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans import closure
from hub.loans.status import move
from lms_core.ledger import OWN_BOOK, Account
from lms_core.ledger import servicing as journals
from lms_core.loans.classification import AssetClass
from lms_core.loans.loan_day import DayRules, DueKey, DueKind, Payment, Replay, replay
from lms_core.loans.product import ProductRules, rules_from_dict
from lms_core.loans.restructure_rules import RestructureRecord, first_slip, settled_after
from lms_core.loans.status import LoanAction, LoanStatus
from lms_core.money import ZERO, Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository, restructure_repository
from lms_core.persistence.loans.models import Allocation, Loan, LoanDue, Repayment
from lms_core.waterfall import Component, LoanState


@dataclass(frozen=True)
class LoanContext:
    loan: Loan
    rules: ProductRules
    restructure: RestructureRecord | None = None  # the latest restructure in force

    @property
    def day_rules(self) -> DayRules:
        rules = day_rules_of(self.rules)
        if self.restructure is None:
            return rules
        return replace(rules, restructured=self.restructure.state)


def day_rules_of(r: ProductRules) -> DayRules:
    """Return the rules a day's replay needs from the product's rules."""
    return DayRules(
        r.strategy(LoanState.STANDARD),
        r.strategy(LoanState.NPA),
        r.penal_rate,
        r.grace_days,
        r.late_fee,
        r.late_fee_after_days,
        r.npa_dpd,
    )


def context(session: Session, loan: Loan) -> LoanContext:
    product = loan_repository.product_by_id(session, loan.product_id)
    return LoanContext(loan, rules_from_dict(product.rules), restructure_of(session, loan))


def restructure_of(session: Session, loan: Loan) -> RestructureRecord | None:
    """Return the loan's latest restructure (None when it has none)."""
    if loan.schedule_version == 1:  # a restructure always makes a new schedule version
        return None
    change = restructure_repository.last_restructure(session, loan.id)
    return None if change is None else RestructureRecord.of(change.business_date, change.detail)


def class_before(session: Session, loan_id: int, start: date) -> AssetClass:
    """Return the asset class the loan had at the day-end before ``start``."""
    cls = AssetClass.STANDARD
    for event in loan_repository.events(session, loan_id):
        if event.kind == "classification" and event.business_date < start:
            cls = AssetClass(event.detail["to"])
    return cls


def resync(
    session: Session, tenant_id: int, ctx: LoanContext, start: date, today: date, actor: str
) -> Replay:
    """Replay ``ctx.loan`` from ``start`` and book the differences; return the replay."""
    loan = ctx.loan
    plan = loan_repository.plans(session, [loan])[loan.id]
    dues = loan_repository.dues_as_of(session, loan.id, start)
    reps = loan_repository.posted_repayments_from(session, loan.id, start)
    eod_through = loan.eod_through or (start - timedelta(days=1))
    payments = [Payment(r.id, r.value_date, r.amount) for r in reps]
    before = class_before(session, loan.id, start)
    rules = _day_rules(session, ctx, start)
    result = replay(dues, plan, payments, rules, start, eod_through, before)
    rules = _slipped_in_replay(session, ctx, rules, start, eod_through, result)
    if rules is not None:
        result = replay(dues, plan, payments, rules, start, eod_through, before)
    old_alloc = _allocation_sums(session, reps)
    due_ids, late_fee_delta = _write_dues(session, loan.id, start, result)
    _write_allocations(session, reps, result, due_ids)
    _rewrite_ahead(session, loan.id, start, result)
    _repost_repayments(session, tenant_id, loan, reps, result, old_alloc, today, actor)
    _true_up_charges(session, tenant_id, loan, start, result, late_fee_delta, today, actor)
    _follow_class(session, loan, start, eod_through, result)
    true_up_suspense(session, tenant_id, loan, today, actor)
    loan.advance = _advance(session, loan.id)
    _maybe_close(session, loan, plan, today)
    return result


def _day_rules(session: Session, ctx: LoanContext, start: date) -> DayRules:
    """The replay's rules, with a restructured loan's slip before ``start`` (if any)."""
    rules = ctx.day_rules
    state = rules.restructured
    if state is None or start <= state.on:
        return rules
    history = restructure_repository.settled_dues(session, ctx.loan.id, state.on, start)
    slipped = first_slip(state, history.values(), start)
    return replace(rules, restructured=replace(state, slipped=slipped))


def _slipped_in_replay(
    session: Session, ctx: LoanContext, rules: DayRules, start: date, eod_through, result
) -> DayRules | None:
    """Return the rules with a slip the replay itself shows, when it reaches the end of
    the specified period (where a slip decides the class); None when nothing changes.

    Before the period's end a restructured NPA is NPA whether it slipped or not, so the
    first replay's payments and dues are right up to there and the slip they show is
    the one a second replay must know.
    """
    state = rules.restructured
    if state is None or state.slipped is not None or eod_through < state.until:
        return None
    stored = restructure_repository.settled_dues(session, ctx.loan.id, state.on, start)
    slipped = first_slip(
        state, settled_after(stored, result, state.on), eod_through + timedelta(days=1)
    )
    if slipped is None:
        return None
    return replace(rules, restructured=replace(state, slipped=slipped))


def _rewrite_ahead(session: Session, loan_id: int, start: date, result: Replay) -> None:
    """Rewrite the installment dues raised ahead of the day-end that this replay did not
    reach (their payment was reversed): ``paid`` is what the allocations left hold."""
    replayed = {d.key for d in result.dues}
    ahead = [
        r
        for r in loan_repository.due_rows(session, [loan_id])[loan_id]
        if r.kind == DueKind.INSTALLMENT
        and r.due_date >= start
        and loan_repository.due_key(r) not in replayed
    ]
    held = restructure_repository.allocated(session, [r.id for r in ahead])
    for row in ahead:
        row.paid = held.get(row.id, ZERO)
    session.flush()


def _allocation_sums(
    session: Session, reps: list[Repayment]
) -> dict[int, dict[Component, Decimal]]:
    dues = {
        d.id: d
        for rows in loan_repository.due_rows(session, {r.loan_id for r in reps}).values()
        for d in rows
    }
    sums: dict[int, dict[Component, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for a in loan_repository.allocations_of(session, [r.id for r in reps]):
        sums[a.repayment_id][Component(dues[a.due_id].component)] += a.amount
    return sums


def _write_dues(
    session: Session, loan_id: int, start: date, result: Replay
) -> tuple[dict[DueKey, int], Decimal]:
    """Store the replayed dues; return their ids and the change in late fees charged."""
    rows = {
        loan_repository.due_key(r): r for r in loan_repository.due_rows(session, [loan_id])[loan_id]
    }
    wanted = {d.key: d for d in result.dues}
    late_before = sum((r.amount for k, r in rows.items() if k.kind is DueKind.LATE_FEE), ZERO)
    late_after = sum((d.amount for k, d in wanted.items() if k.kind is DueKind.LATE_FEE), ZERO)
    for key, row in rows.items():
        if (
            key not in wanted
            and key.kind in (DueKind.PENAL, DueKind.LATE_FEE)
            and row.due_date >= start
        ):
            session.delete(row)
    session.flush()
    ids: dict[DueKey, int] = {}
    for key, due in wanted.items():
        row = rows.get(key)
        if row is None:
            row = LoanDue(
                loan_id=loan_id,
                kind=str(key.kind),
                installment=key.installment,
                component=str(key.component),
                due_date=due.due_date,
                amount=due.amount,
                paid=ZERO,
                waived=ZERO,
            )
            session.add(row)
        row.amount, row.paid = due.amount, due.paid - row.waived
        session.flush()
        ids[key] = row.id
    return ids, late_after - late_before


def _write_allocations(
    session: Session, reps: list[Repayment], result: Replay, due_ids: dict[DueKey, int]
) -> None:
    loan_repository.delete_allocations(session, [r.id for r in reps])
    for a in result.applied:
        session.add(
            Allocation(
                repayment_id=a.payment,
                due_id=due_ids[a.key],
                value_date=a.value_date,
                amount=a.amount,
            )
        )
    session.flush()


def _repost_repayments(session, tenant_id, loan, reps, result: Replay, old, today, actor) -> None:
    new: dict[int, dict[Component, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for a in result.applied:
        new[a.payment][a.key.component] += a.amount
    excess = dict(result.excess)
    for rep in reps:
        parts = {c: v for c, v in new[rep.id].items() if v}
        before = {c: v for c, v in old.get(rep.id, {}).items() if v}
        if (
            rep.journal_id is not None
            and parts == before
            and rep.excess == excess.get(rep.id, ZERO)
        ):
            continue
        if rep.journal_id is not None:
            ledger_repository.reverse(
                session, tenant_id, rep.journal_id, today, "re-allocated by replay", actor
            )
        # A new reference per re-post: the previous journal id makes it unique.
        ref = f"repayment:{rep.id}:{rep.journal_id or 0}"
        journal = journals.repayment(
            loan.id,
            today,
            rep.value_date,
            rep.amount,
            parts,
            excess.get(rep.id, ZERO),
            Currency(loan.currency),
            ref,
        )
        rep.journal_id = ledger_repository.post(session, tenant_id, journal, actor).journal_id
        rep.excess = excess.get(rep.id, ZERO)


def _true_up_charges(
    session, tenant_id, loan, start, result: Replay, late_fee_delta, today, actor
) -> None:
    old_penal = sum((a for _, _, a in loan_repository.penal_charges(session, loan.id, start)), ZERO)
    new_penal = sum((a for _, _, a in result.penal), ZERO)
    loan_repository.replace_penal_charges(session, loan.id, start, result.penal)
    cur = Currency(loan.currency)
    for j in (
        journals.penal_true_up(loan.id, today, new_penal - old_penal, cur),
        journals.late_fee_true_up(loan.id, today, late_fee_delta, cur),
    ):
        if j is not None:
            ledger_repository.post(session, tenant_id, j, actor)


def _follow_class(
    session: Session, loan: Loan, start: date, eod_through: date, result: Replay
) -> None:
    if eod_through < start:
        return
    loan_repository.drop_class_events_from(session, loan.id, start)
    for day, cls in result.class_moves:
        loan_repository.add_event(session, loan.id, day, "classification", {"to": str(cls)})
    loan.dpd, loan.asset_class = result.dpd, str(result.asset_class)
    loan.state = "npa" if result.asset_class is AssetClass.NPA else "standard"
    if result.asset_class is AssetClass.NPA and loan.npa_since is None:
        loan.npa_since = next(
            (d for d, c in result.class_moves if c is AssetClass.NPA), eod_through
        )
    elif result.asset_class is not AssetClass.NPA:
        loan.npa_since = None


def true_up_suspense(session: Session, tenant_id: int, loan: Loan, today: date, actor: str) -> None:
    """Hold in suspense exactly the uncollected interest of an NPA (nothing otherwise).

    That is the interest due and accrued, plus the interest a restructure capitalised
    while leaving the account an NPA (RBI: unrealised interest capitalised is not
    income); the upgrade releases it with the rest.
    """
    bal = lambda account: ledger_repository.balance_of(  # noqa: E731
        session, tenant_id, account, today, owner=OWN_BOOK, loan_id=loan.id
    )
    held = -bal(Account.INTEREST_SUSPENSE)
    target = ZERO
    if loan.asset_class == AssetClass.NPA:
        record = restructure_of(session, loan)
        capitalised = record.interest_held if record is not None else ZERO
        target = bal(Account.INTEREST_DUE) + bal(Account.INTEREST_RECEIVABLE) + capitalised
    j = journals.income_recognition(loan.id, today, held, target, Currency(loan.currency))
    if j is not None:
        ledger_repository.post(session, tenant_id, j, actor)


def _advance(session: Session, loan_id: int) -> Decimal:
    return sum(
        (r.excess for r in loan_repository.repayments(session, loan_id) if r.status == "posted"),
        ZERO,
    )


def _maybe_close(session: Session, loan: Loan, plan, today: date) -> None:
    rows = loan_repository.due_rows(session, [loan.id])[loan.id]
    # Settled = paid, or closed by a restructure (waived); the target is the current
    # schedule version's principal (a prepayment or restructure changes it).
    principal_paid = sum((r.paid + r.waived for r in rows if r.component == "principal"), ZERO)
    scheduled = sum((p.principal for p in plan), ZERO)
    outstanding = sum((r.amount - r.paid - r.waived for r in rows), ZERO)
    if principal_paid == scheduled and outstanding == 0 and loan.status == LoanStatus.ACTIVE:
        move(loan, LoanAction.REPAID)
        loan.closed_on = today
        loan_repository.add_event(session, loan.id, today, "closed", {})
        closure.on_closed(session, loan, today)
    elif loan.status == LoanStatus.CLOSED and (principal_paid < scheduled or outstanding > 0):
        move(loan, LoanAction.REOPENED)
        loan.closed_on = None
        loan_repository.add_event(
            session, loan.id, today, "reopened", {"reason": "payment reversed"}
        )
        closure.on_reopened(session, loan)
