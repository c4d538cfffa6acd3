"""All SQL of NACH ACH presentations: dues to present, presentation files and their items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, insert, select, text, update
from sqlalchemy.orm import Session

from lms_core.collections.enums import ItemStatus
from lms_core.persistence.collections.models import Presentation, PresentationItem
from lms_core.persistence.loans.models import Loan, LoanDue, ScheduleLine

INSTALLMENT = "installment"


def outstanding_installments(
    session: Session, loan_ids: Sequence[int], due_date: date
) -> dict[int, Decimal]:
    """Return, per active loan with installment dues on ``due_date``, their unpaid part
    (zero included: a paid due must not be presented from the schedule)."""
    if not loan_ids:
        return {}
    open_part = func.sum(LoanDue.amount - LoanDue.paid - LoanDue.waived)
    rows = session.execute(
        select(LoanDue.loan_id, open_part)
        .join(Loan, Loan.id == LoanDue.loan_id)
        .where(
            LoanDue.loan_id.in_(list(loan_ids)),
            LoanDue.kind == INSTALLMENT,
            LoanDue.due_date == due_date,
            Loan.status == "active",
        )
        .group_by(LoanDue.loan_id)
    )
    return {loan_id: amount for loan_id, amount in rows}


def scheduled_installments(
    session: Session, loan_ids: Sequence[int], due_date: date
) -> dict[int, Decimal]:
    """Return, per active loan with an installment planned on ``due_date`` (current
    schedule version), that installment less any advance the loan holds (if positive).

    Used before end-of-day has raised the day's dues (a morning presentation)."""
    if not loan_ids:
        return {}
    rows = session.execute(
        select(ScheduleLine.loan_id, ScheduleLine.total - Loan.advance)
        .join(
            Loan,
            (Loan.id == ScheduleLine.loan_id) & (Loan.schedule_version == ScheduleLine.version),
        )
        .where(
            ScheduleLine.loan_id.in_(list(loan_ids)),
            ScheduleLine.due_date == due_date,
            Loan.status == "active",
        )
    )
    return {loan_id: amount for loan_id, amount in rows if amount > 0}


def presented_loans(session: Session, tenant_id: int, due_date: date, attempt: int) -> set[int]:
    """Return the loans whose ``due_date`` due was already presented as ``attempt``."""
    return set(
        session.scalars(
            select(PresentationItem.loan_id).where(
                PresentationItem.tenant_id == tenant_id,
                PresentationItem.due_date == due_date,
                PresentationItem.attempt == attempt,
            )
        )
    )


def awaiting_representation(
    session: Session, tenant_id: int, day: date, *, lock: bool = False
) -> list[PresentationItem]:
    """Return returned items due for re-presentation on or before ``day``."""
    stmt = (
        select(PresentationItem)
        .where(
            PresentationItem.tenant_id == tenant_id,
            PresentationItem.status == ItemStatus.RETURNED,
            PresentationItem.represent_on <= day,
            PresentationItem.next_item_id.is_(None),
        )
        .order_by(PresentationItem.id)
    )
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def scheduled_representations(session: Session, tenant_id: int) -> list[PresentationItem]:
    """Return every returned item still waiting for its re-presentation date."""
    return list(
        session.scalars(
            select(PresentationItem)
            .where(
                PresentationItem.tenant_id == tenant_id,
                PresentationItem.status == ItemStatus.RETURNED,
                PresentationItem.represent_on.is_not(None),
                PresentationItem.next_item_id.is_(None),
            )
            .order_by(PresentationItem.represent_on, PresentationItem.id)
        )
    )


def next_ids(session: Session, table: str, count: int) -> list[int]:
    """Reserve ``count`` ids from ``table``'s id sequence (to name rows before inserting)."""
    if count <= 0:
        return []
    sql = text(
        f"select nextval(pg_get_serial_sequence('{table}', 'id')) from generate_series(1, :n)"
    )
    return list(session.scalars(sql, {"n": count}))


def add_presentation(session: Session, presentation: Presentation) -> Presentation:
    session.add(presentation)
    session.flush()
    return presentation


def insert_items(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(PresentationItem), list(rows))


def mark_collected(session: Session, rows: Sequence[dict[str, Any]], day: date) -> None:
    """Mark items collected (``rows``: id, repayment_id) in one executemany."""
    if rows:
        values = [{**r, "status": ItemStatus.COLLECTED.value, "responded_on": day} for r in rows]
        session.execute(update(PresentationItem), values)


def items_by_reference(
    session: Session, tenant_id: int, references: Sequence[str], *, lock: bool = False
) -> dict[str, PresentationItem]:
    stmt = select(PresentationItem).where(
        PresentationItem.tenant_id == tenant_id, PresentationItem.reference.in_(list(references))
    )
    if lock:
        stmt = stmt.with_for_update()
    return {item.reference: item for item in session.scalars(stmt)}


def presentation(session: Session, tenant_id: int, presentation_id: int) -> Presentation | None:
    return session.scalar(
        select(Presentation).where(
            Presentation.id == presentation_id, Presentation.tenant_id == tenant_id
        )
    )


def presentations_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Presentation]:
    return {p.id: p for p in session.scalars(select(Presentation).where(Presentation.id.in_(ids)))}


def items_of(session: Session, presentation_id: int) -> list[PresentationItem]:
    return list(
        session.scalars(
            select(PresentationItem)
            .where(PresentationItem.presentation_id == presentation_id)
            .order_by(PresentationItem.sequence_number)
        )
    )


def presentation_summaries(
    session: Session, tenant_id: int, *, limit: int = 60, offset: int = 0
) -> list[dict[str, Any]]:
    """Return per presentation: counts and amounts collected, returned, open."""
    item = PresentationItem

    def _sum(status: str) -> Any:
        return func.coalesce(func.sum(case((item.status == status, item.amount))), 0)

    def _count(status: str) -> Any:
        return func.count(case((item.status == status, 1)))

    stmt = (
        select(
            Presentation,
            _count(ItemStatus.COLLECTED).label("collected"),
            _sum(ItemStatus.COLLECTED).label("collected_amount"),
            _count(ItemStatus.RETURNED).label("returned"),
            _sum(ItemStatus.RETURNED).label("returned_amount"),
            _count(ItemStatus.PRESENTED).label("open"),
        )
        .join(item, item.presentation_id == Presentation.id)
        .where(Presentation.tenant_id == tenant_id)
        .group_by(Presentation.id)
        .order_by(Presentation.settlement_date.desc(), Presentation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        {
            "presentation": row[0],
            **{k: row._mapping[k] for k in row._mapping if k != "Presentation"},
        }
        for row in session.execute(stmt)
    ]


def bounce_reasons(session: Session, tenant_id: int, since: date | None = None) -> list[tuple]:
    """Return (reason code, count, amount) of returned items, most frequent first."""
    stmt = (
        select(PresentationItem.reason_code, func.count(), func.sum(PresentationItem.amount))
        .where(PresentationItem.tenant_id == tenant_id, PresentationItem.reason_code.is_not(None))
        .group_by(PresentationItem.reason_code)
        .order_by(func.count().desc(), PresentationItem.reason_code)
    )
    if since is not None:
        stmt = stmt.where(PresentationItem.responded_on >= since)
    return [tuple(row) for row in session.execute(stmt)]
