"""All SQL of servicing: products, loans, schedules, dues, repayments, penal charges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from lms_core.loans.loan_day import DueKey, DueKind, OpenDue, PlannedInstallment
from lms_core.persistence.loans.models import (
    Allocation,
    Loan,
    LoanDue,
    LoanEvent,
    LoanParty,
    PenalCharge,
    Product,
    Repayment,
    ScheduleLine,
)
from lms_core.waterfall import Component


def create_product_version(
    session: Session, tenant_id: int, code: str, name: str, rules: dict[str, Any]
) -> Product:
    """Add the next version of product ``code`` (version 1 when new); return it."""
    last = session.scalar(
        select(func.max(Product.version)).where(
            Product.tenant_id == tenant_id, Product.code == code
        )
    )
    product = Product(
        tenant_id=tenant_id, code=code, name=name, version=(last or 0) + 1, rules=rules
    )
    session.add(product)
    session.flush()
    return product


def latest_product(session: Session, tenant_id: int, code: str) -> Product | None:
    return session.scalar(
        select(Product)
        .where(Product.tenant_id == tenant_id, Product.code == code, Product.active)
        .order_by(Product.version.desc())
        .limit(1)
    )


def products(session: Session, tenant_id: int) -> list[Product]:
    return list(
        session.scalars(
            select(Product)
            .where(Product.tenant_id == tenant_id)
            .order_by(Product.code, Product.version)
        )
    )


def product_by_id(session: Session, product_id: int) -> Product | None:
    return session.get(Product, product_id)


def get_loan(session: Session, tenant_id: int, loan_id: int, *, lock: bool = False) -> Loan | None:
    stmt = select(Loan).where(Loan.id == loan_id, Loan.tenant_id == tenant_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def list_loans(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Loan]:
    stmt = select(Loan).where(Loan.tenant_id == tenant_id)
    if status:
        stmt = stmt.where(Loan.status == status)
    return list(session.scalars(stmt.order_by(Loan.id).limit(limit).offset(offset)))


def save_schedule(
    session: Session,
    loan_id: int,
    version: int,
    plan: Sequence[PlannedInstallment],
    balances: Sequence[Decimal],
) -> None:
    rows = [
        {
            "loan_id": loan_id,
            "version": version,
            "number": p.number,
            "period_start": p.period_start,
            "due_date": p.due_date,
            "principal": p.principal,
            "interest": p.interest,
            "fees": p.fees,
            "total": p.principal + p.interest + p.fees,
            "balance": bal,
        }
        for p, bal in zip(plan, balances, strict=True)
    ]
    session.execute(insert(ScheduleLine), rows)


def schedule_rows(session: Session, loan_id: int, version: int) -> list[ScheduleLine]:
    return list(
        session.scalars(
            select(ScheduleLine)
            .where(ScheduleLine.loan_id == loan_id, ScheduleLine.version == version)
            .order_by(ScheduleLine.number)
        )
    )


def _planned(row: ScheduleLine) -> PlannedInstallment:
    return PlannedInstallment(
        row.number, row.period_start, row.due_date, row.principal, row.interest, row.fees
    )


def plans(session: Session, loans: Sequence[Loan]) -> dict[int, list[PlannedInstallment]]:
    """Return each loan's current schedule as planned installments (one query)."""
    if not loans:
        return {}
    wanted = {(loan.id, loan.schedule_version) for loan in loans}
    rows = session.scalars(
        select(ScheduleLine)
        .where(ScheduleLine.loan_id.in_([lid for lid, _ in wanted]))
        .order_by(ScheduleLine.loan_id, ScheduleLine.number)
    )
    result: dict[int, list[PlannedInstallment]] = defaultdict(list)
    for row in rows:
        if (row.loan_id, row.version) in wanted:
            result[row.loan_id].append(_planned(row))
    return result


def due_key(row: LoanDue) -> DueKey:
    return DueKey(DueKind(row.kind), row.installment, Component(row.component))


def due_rows(session: Session, loan_ids: Iterable[int]) -> dict[int, list[LoanDue]]:
    ids = list(loan_ids)
    result: dict[int, list[LoanDue]] = defaultdict(list)
    if not ids:
        return result
    for row in session.scalars(
        select(LoanDue).where(LoanDue.loan_id.in_(ids)).order_by(LoanDue.id)
    ):
        result[row.loan_id].append(row)
    return result


def open_dues_of(rows: Iterable[LoanDue]) -> list[OpenDue]:
    return [OpenDue(due_key(r), r.due_date, r.amount, r.paid + r.waived) for r in rows]


def opening_dues(
    rows: Iterable[LoanDue],
    held_before: Mapping[int, Decimal],
    penal_from_start: Iterable[tuple[date, int, Decimal]],
    start: date,
) -> list[OpenDue]:
    """Return the dues as they stood at the start of ``start`` (before its payments).

    ``rows`` are the loan's stored dues, ``held_before`` what payments valued before
    ``start`` hold on each (by due id), ``penal_from_start`` the day-end penal charges
    from ``start`` on (a replay from ``start`` charges them again). No SQL: the caller
    has loaded these.
    """
    penal_later: dict[int, Decimal] = defaultdict(Decimal)
    for _day, installment, amount in penal_from_start:
        penal_later[installment] += amount
    result = []
    for row in rows:
        amount = _amount_at_start(row, start, penal_later)
        if amount > 0:
            paid = held_before.get(row.id, Decimal(0)) + row.waived
            result.append(OpenDue(due_key(row), row.due_date, amount, paid))
    return result


def _amount_at_start(row: LoanDue, start: date, penal_later: dict[int, Decimal]) -> Decimal:
    """What a due amounted to at the start of ``start``: the replay re-raises the rest."""
    kind = DueKind(row.kind)
    if kind is DueKind.PENAL:
        return row.amount - penal_later.get(row.installment, Decimal(0))
    if kind is DueKind.BOUNCE:
        return row.amount  # raised by a bank return, an event the replay does not recreate
    return row.amount if row.due_date < start else Decimal(0)


class LoanAllocation(NamedTuple):
    due_id: int
    repayment_id: int
    value_date: date
    amount: Decimal


def loan_allocations(session: Session, loan_id: int) -> list[LoanAllocation]:
    """Return every allocation of the loan's repayments, in the order they were made."""
    rows = session.execute(
        select(Allocation.due_id, Allocation.repayment_id, Allocation.value_date, Allocation.amount)
        .join(Repayment, Repayment.id == Allocation.repayment_id)
        .where(Repayment.loan_id == loan_id)
        .order_by(Allocation.id)
    )
    return [LoanAllocation(*row) for row in rows]


def held_before(allocations: Iterable[LoanAllocation], start: date) -> dict[int, Decimal]:
    """Return, per due id, what the allocations valued before ``start`` hold (no SQL)."""
    held: dict[int, Decimal] = {}
    for a in allocations:
        if a.value_date < start:
            held[a.due_id] = held.get(a.due_id, Decimal(0)) + a.amount
    return held


def delete_allocations(session: Session, repayment_ids: Sequence[int]) -> None:
    if repayment_ids:
        session.execute(delete(Allocation).where(Allocation.repayment_id.in_(list(repayment_ids))))


def penal_charges(session: Session, loan_id: int, start: date) -> list[tuple[date, int, Decimal]]:
    """Return the day-end penal charges from ``start`` on: (day, installment, amount)."""
    rows = session.execute(
        select(PenalCharge.day, PenalCharge.installment, PenalCharge.amount)
        .where(PenalCharge.loan_id == loan_id, PenalCharge.day >= start)
        .order_by(PenalCharge.day)
    )
    return [(d, i, a) for d, i, a in rows]


def replace_penal_charges(
    session: Session, loan_id: int, start: date, charges: Iterable[tuple[date, int, Decimal]]
) -> None:
    session.execute(
        delete(PenalCharge).where(PenalCharge.loan_id == loan_id, PenalCharge.day >= start)
    )
    rows = [{"loan_id": loan_id, "day": d, "installment": i, "amount": a} for d, i, a in charges]
    if rows:
        session.execute(insert(PenalCharge), rows)


def add_event(
    session: Session,
    loan_id: int,
    business_date: date,
    kind: str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        LoanEvent(loan_id=loan_id, business_date=business_date, kind=kind, detail=detail or {})
    )


def events(session: Session, loan_id: int) -> list[LoanEvent]:
    return list(
        session.scalars(
            select(LoanEvent).where(LoanEvent.loan_id == loan_id).order_by(LoanEvent.id)
        )
    )


def repayments(session: Session, loan_id: int) -> list[Repayment]:
    return list(
        session.scalars(
            select(Repayment)
            .where(Repayment.loan_id == loan_id)
            .order_by(Repayment.value_date, Repayment.id)
        )
    )


def repayment_by_ref(session: Session, tenant_id: int, external_ref: str) -> Repayment | None:
    return session.scalar(
        select(Repayment).where(
            Repayment.tenant_id == tenant_id, Repayment.external_ref == external_ref
        )
    )


def active_loan_ids(session: Session, tenant_id: int, before: date) -> list[int]:
    """Return ids of active loans whose day-end has not run for the day ``before``."""
    stmt = select(Loan.id).where(
        Loan.tenant_id == tenant_id,
        Loan.status == "active",
        (Loan.eod_through.is_(None)) | (Loan.eod_through < before),
    )
    return list(session.scalars(stmt.order_by(Loan.id)))


def loans_by_ids(session: Session, ids: Sequence[int], *, lock: bool = False) -> list[Loan]:
    stmt = select(Loan).where(Loan.id.in_(list(ids))).order_by(Loan.id)
    if lock:
        stmt = stmt.with_for_update(skip_locked=False)
    return list(session.scalars(stmt))


def drop_class_events_from(session: Session, loan_id: int, start: date) -> None:
    """Forget classification moves from ``start`` on: a replay is about to re-record them."""
    session.execute(
        delete(LoanEvent).where(
            LoanEvent.loan_id == loan_id,
            LoanEvent.kind == "classification",
            LoanEvent.business_date >= start,
        )
    )


def count_by_status(session: Session, tenant_id: int) -> dict[str, int]:
    """Loans per status, plus ``overdue``: active loans with days past due (DPD > 0)."""
    stmt = select(Loan.status, func.count()).where(Loan.tenant_id == tenant_id)
    counts = {status: n for status, n in session.execute(stmt.group_by(Loan.status))}
    overdue = select(func.count()).where(
        Loan.tenant_id == tenant_id, Loan.status == "active", Loan.dpd > 0
    )
    counts["overdue"] = session.scalar(overdue) or 0
    return counts


def search_loans(
    session: Session,
    tenant_id: int,
    *,
    query: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[tuple[Loan, str | None]]:
    """Loans (newest first) with their borrower's name, filtered by loan number, external
    reference or party name (``query``, case-insensitive substring), status, and DPD > 0."""
    borrower = (
        select(LoanParty.name)
        .where(LoanParty.loan_id == Loan.id)
        .order_by(LoanParty.id)
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(Loan, borrower).where(Loan.tenant_id == tenant_id)
    if query:
        text_ = query.strip()  # why: autoescape, so "%" or "_" in a search are literal
        named = select(LoanParty.id).where(
            LoanParty.loan_id == Loan.id, LoanParty.name.icontains(text_, autoescape=True)
        )
        stmt = stmt.where(
            Loan.loan_number.icontains(text_, autoescape=True)
            | Loan.external_ref.icontains(text_, autoescape=True)
            | named.exists()
        )
    if status:
        stmt = stmt.where(Loan.status == status)
    if overdue:
        stmt = stmt.where(Loan.dpd > 0)
    stmt = stmt.order_by(Loan.id.desc()).limit(limit).offset(offset)
    return [(loan, name) for loan, name in session.execute(stmt)]


def parties(session: Session, loan_id: int) -> list[LoanParty]:
    """Return the loan's borrowers, co-borrowers and guarantors."""
    return list(session.scalars(select(LoanParty).where(LoanParty.loan_id == loan_id)))
