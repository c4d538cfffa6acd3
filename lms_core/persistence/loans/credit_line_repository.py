"""All SQL of revolving credit lines: lines, transactions, dues, daily accruals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lms_core.persistence.loans.credit_line_models import (
    CreditLine,
    CreditLineAccrual,
    CreditLineDue,
    CreditLineTxn,
)


def get_line(
    session: Session, tenant_id: int, line_id: int, *, lock: bool = False
) -> CreditLine | None:
    stmt = select(CreditLine).where(CreditLine.id == line_id, CreditLine.tenant_id == tenant_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def by_number(session: Session, tenant_id: int, line_number: str) -> CreditLine | None:
    return session.scalar(
        select(CreditLine).where(
            CreditLine.tenant_id == tenant_id, CreditLine.line_number == line_number
        )
    )


def lines_to_close(session: Session, tenant_id: int, day: date) -> list[CreditLine]:
    """Return (locked, by id) the active lines whose day-end has not run for ``day``."""
    stmt = (
        select(CreditLine)
        .where(
            CreditLine.tenant_id == tenant_id,
            CreditLine.status == "active",
            (CreditLine.accrued_through.is_(None)) | (CreditLine.accrued_through < day),
        )
        .order_by(CreditLine.id)
        .with_for_update()
    )
    return list(session.scalars(stmt))


def txn_by_ref(session: Session, line_id: int, external_ref: str) -> CreditLineTxn | None:
    return session.scalar(
        select(CreditLineTxn).where(
            CreditLineTxn.line_id == line_id, CreditLineTxn.external_ref == external_ref
        )
    )


def open_dues(session: Session, line_id: int) -> list[CreditLineDue]:
    return list(
        session.scalars(
            select(CreditLineDue)
            .where(CreditLineDue.line_id == line_id, CreditLineDue.paid < CreditLineDue.amount)
            .order_by(CreditLineDue.due_date, CreditLineDue.id)
        )
    )


def dues(session: Session, line_id: int) -> list[CreditLineDue]:
    return list(
        session.scalars(
            select(CreditLineDue)
            .where(CreditLineDue.line_id == line_id)
            .order_by(CreditLineDue.due_date, CreditLineDue.id)
        )
    )


def txns(session: Session, line_id: int, start: date, end: date) -> list[CreditLineTxn]:
    return list(
        session.scalars(
            select(CreditLineTxn)
            .where(
                CreditLineTxn.line_id == line_id,
                CreditLineTxn.business_date >= start,
                CreditLineTxn.business_date <= end,
            )
            .order_by(CreditLineTxn.business_date, CreditLineTxn.id)
        )
    )


def last_txn_before(session: Session, line_id: int, day: date) -> CreditLineTxn | None:
    return session.scalar(
        select(CreditLineTxn)
        .where(CreditLineTxn.line_id == line_id, CreditLineTxn.business_date < day)
        .order_by(CreditLineTxn.business_date.desc(), CreditLineTxn.id.desc())
        .limit(1)
    )


def accruals(session: Session, line_id: int, start: date, end: date) -> list[CreditLineAccrual]:
    return list(
        session.scalars(
            select(CreditLineAccrual)
            .where(
                CreditLineAccrual.line_id == line_id,
                CreditLineAccrual.day >= start,
                CreditLineAccrual.day <= end,
            )
            .order_by(CreditLineAccrual.day)
        )
    )


def add_accruals(session: Session, rows: Sequence[dict]) -> None:
    if rows:
        session.execute(insert(CreditLineAccrual), list(rows))
