"""What a resync writes, in one place: the difference between a replay and the stored loan.

:func:`write` takes the loan's state as loaded (:class:`hub.loans.resync_load.LoanBook`)
and the replay of it, and stores the difference, in this order: the dues (penal and
late-fee dues the replay no longer raises are dropped), the payments' allocations, the
dues raised ahead of a day-end the replay no longer reaches, each payment whose
allocation changed (its journal reversed and the new one posted), the penal and
late-fee true-ups, the class, the interest an NPA holds in suspense, the advance, and
closure or re-opening. It reads nothing back: what the journals it posts change is
worked out from their values.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from hub.loans import closure
from hub.loans.resync_load import LoanBook
from hub.loans.status import move
from lms_core.ledger import servicing as journals
from lms_core.loans.classification import AssetClass
from lms_core.loans.loan_day import DueKey, DueKind, Replay
from lms_core.loans.status import LoanAction, LoanStatus
from lms_core.money import ZERO, Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Allocation, LoanDue
from lms_core.waterfall import Component

if TYPE_CHECKING:
    from hub.loans.resync import LoanContext


def write(
    session: Session,
    tenant_id: int,
    ctx: LoanContext,
    book: LoanBook,
    result: Replay,
    today: date,
    actor: str,
) -> None:
    """Store the difference between ``result`` and ``book``; post the journals it makes."""
    loan, cur = ctx.loan, Currency(ctx.loan.currency)
    dues, due_ids, late_fee_delta = _write_dues(session, loan.id, book, result)
    _write_allocations(session, book, result, due_ids)
    _rewrite_ahead(session, book, result)
    moved = _repost(session, tenant_id, ctx, book, result, today, actor)
    loan_repository.replace_penal_charges(session, loan.id, book.start, result.penal)
    charged = sum((a for _, _, a in result.penal), ZERO) - sum((a for _, _, a in book.penal), ZERO)
    _post(session, tenant_id, journals.penal_true_up(loan.id, today, charged, cur), actor)
    _post(session, tenant_id, journals.late_fee_true_up(loan.id, today, late_fee_delta, cur), actor)
    _follow_class(session, ctx, book, result)
    _post(session, tenant_id, _income_recognition(ctx, book, moved, today), actor)
    loan.advance = book.advance_before + sum((r.excess for r in book.payments), ZERO)
    _maybe_close(session, ctx, book, dues, today)


def _post(session: Session, tenant_id: int, journal, actor: str) -> None:
    if journal is not None:
        ledger_repository.post(session, tenant_id, journal, actor)


def _write_dues(
    session: Session, loan_id: int, book: LoanBook, result: Replay
) -> tuple[list[LoanDue], dict[DueKey, int], Decimal]:
    """Store the replayed dues; return the loan's dues now, their ids by key and the
    change in late fees charged."""
    rows = {loan_repository.due_key(r): r for r in book.dues}
    wanted = {d.key: d for d in result.dues}
    late_before = sum((r.amount for k, r in rows.items() if k.kind is DueKind.LATE_FEE), ZERO)
    late_after = sum((d.amount for k, d in wanted.items() if k.kind is DueKind.LATE_FEE), ZERO)
    for key, row in list(rows.items()):
        if (
            key not in wanted
            and key.kind in (DueKind.PENAL, DueKind.LATE_FEE)
            and row.due_date >= book.start
        ):
            session.delete(rows.pop(key))
    session.flush()
    for key, due in wanted.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = _new_due(loan_id, key, due.due_date, due.amount)
            session.add(row)
        row.amount, row.paid = due.amount, due.paid - row.waived
    session.flush()
    ids = {key: rows[key].id for key in wanted}
    return list(rows.values()), ids, late_after - late_before


def _new_due(loan_id: int, key: DueKey, due_date: date, amount: Decimal) -> LoanDue:
    return LoanDue(
        loan_id=loan_id,
        kind=str(key.kind),
        installment=key.installment,
        component=str(key.component),
        due_date=due_date,
        amount=amount,
        paid=ZERO,
        waived=ZERO,
    )


def _write_allocations(
    session: Session, book: LoanBook, result: Replay, due_ids: dict[DueKey, int]
) -> None:
    loan_repository.delete_allocations(session, [r.id for r in book.payments])
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


def _rewrite_ahead(session: Session, book: LoanBook, result: Replay) -> None:
    """Rewrite the installment dues raised ahead of the day-end that this replay did not
    reach (their payment was reversed): ``paid`` is what the allocations left hold,
    those of the payments valued before the replay's start."""
    replayed = {d.key for d in result.dues}
    for row in book.dues:
        if (
            row.kind == DueKind.INSTALLMENT
            and row.due_date >= book.start
            and loan_repository.due_key(row) not in replayed
        ):
            row.paid = book.held_before.get(row.id, ZERO)
    session.flush()


def _repost(session, tenant_id, ctx: LoanContext, book: LoanBook, result, today, actor) -> Decimal:
    """Re-post each payment whose allocation or excess changed (its journal reversed, a new
    one posted); return how much these journals added to INTEREST_DUE."""
    loan = ctx.loan
    new: dict[int, dict[Component, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for a in result.applied:
        new[a.payment][a.key.component] += a.amount
    excess, moved = dict(result.excess), ZERO
    for rep in book.payments:
        parts = {c: v for c, v in new[rep.id].items() if v}
        before = {c: v for c, v in book.allocated.get(rep.id, {}).items() if v}
        left = excess.get(rep.id, ZERO)
        if rep.journal_id is not None and parts == before and rep.excess == left:
            continue
        if rep.journal_id is not None:
            ledger_repository.reverse(
                session, tenant_id, rep.journal_id, today, "re-allocated by replay", actor
            )
            moved += before.get(Component.INTEREST, ZERO)  # the reversal debits it back
        # A new reference per re-post: the previous journal id makes it unique.
        ref = f"repayment:{rep.id}:{rep.journal_id or 0}"
        journal = journals.repayment(
            loan.id, today, rep.value_date, rep.amount, parts, left, Currency(loan.currency), ref
        )
        rep.journal_id = ledger_repository.post(session, tenant_id, journal, actor).journal_id
        rep.excess = left
        moved -= parts.get(Component.INTEREST, ZERO)
    return moved


def _follow_class(session: Session, ctx: LoanContext, book: LoanBook, result: Replay) -> None:
    loan = ctx.loan
    if book.eod_through < book.start:
        return
    loan_repository.drop_class_events_from(session, loan.id, book.start)
    for day, cls in result.class_moves:
        loan_repository.add_event(session, loan.id, day, "classification", {"to": str(cls)})
    loan.dpd, loan.asset_class = result.dpd, str(result.asset_class)
    loan.state = "npa" if result.asset_class is AssetClass.NPA else "standard"
    if result.asset_class is AssetClass.NPA and loan.npa_since is None:
        loan.npa_since = next(
            (d for d, c in result.class_moves if c is AssetClass.NPA), book.eod_through
        )
    elif result.asset_class is not AssetClass.NPA:
        loan.npa_since = None


def _income_recognition(ctx: LoanContext, book: LoanBook, moved: Decimal, today: date):
    """The journal that makes suspense hold what the loan, as written, must hold.

    The interest due is the loaded balance plus what the re-posted repayments moved
    (the rupee balance, as loaded: ``moved`` counts only for a rupee loan).
    """
    loan, held = ctx.loan, book.interest
    due = held.due + (moved if loan.currency == Currency.INR else ZERO)
    record = ctx.restructure
    capitalised = record.interest_held if record is not None else ZERO
    npa = loan.asset_class == AssetClass.NPA
    target = journals.suspense_target(npa, due, held.receivable, capitalised)
    return journals.income_recognition(
        loan.id, today, held.suspense, target, Currency(loan.currency)
    )


def _maybe_close(session: Session, ctx: LoanContext, book: LoanBook, dues, today: date) -> None:
    loan = ctx.loan
    # Settled = paid, or closed by a restructure (waived); the target is the current
    # schedule version's principal (a prepayment or restructure changes it).
    principal_paid = sum((r.paid + r.waived for r in dues if r.component == "principal"), ZERO)
    scheduled = sum((p.principal for p in book.plan), ZERO)
    outstanding = sum((r.amount - r.paid - r.waived for r in dues), ZERO)
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
