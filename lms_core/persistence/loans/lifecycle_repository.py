"""All SQL of a loan's life-cycle: changes, write-off tracking, settlements, documents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms_core.ledger import OWN_BOOK, Account
from lms_core.persistence.loans.lifecycle_models import (
    LoanChange,
    LoanDocument,
    LoanSettlement,
    LoanWriteOff,
)
from lms_core.persistence.loans.models import LoanCollateral, LoanParty
from lms_core.persistence.platform.models import ExposureOwner, LedgerAccount, LedgerPosting


def add_change(session: Session, change: LoanChange) -> LoanChange:
    session.add(change)
    session.flush()
    return change


def change_by_ref(session: Session, tenant_id: int, external_ref: str) -> LoanChange | None:
    return session.scalar(
        select(LoanChange).where(
            LoanChange.tenant_id == tenant_id, LoanChange.external_ref == external_ref
        )
    )


def changes(session: Session, loan_id: int) -> list[LoanChange]:
    return list(
        session.scalars(
            select(LoanChange).where(LoanChange.loan_id == loan_id).order_by(LoanChange.id)
        )
    )


def last_version_change(session: Session, loan_id: int, version: int) -> LoanChange | None:
    """Return the change that produced schedule ``version`` (None for the booked one)."""
    return session.scalar(
        select(LoanChange)
        .where(LoanChange.loan_id == loan_id, LoanChange.to_version == version)
        .order_by(LoanChange.id.desc())
        .limit(1)
    )


def write_off_of(session: Session, loan_id: int, *, lock: bool = False) -> LoanWriteOff | None:
    stmt = select(LoanWriteOff).where(LoanWriteOff.loan_id == loan_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def open_settlement(session: Session, loan_id: int) -> LoanSettlement | None:
    return session.scalar(
        select(LoanSettlement)
        .where(LoanSettlement.loan_id == loan_id, LoanSettlement.status == "agreed")
        .order_by(LoanSettlement.id.desc())
        .limit(1)
    )


def settlements(session: Session, loan_id: int) -> list[LoanSettlement]:
    return list(
        session.scalars(
            select(LoanSettlement)
            .where(LoanSettlement.loan_id == loan_id)
            .order_by(LoanSettlement.id)
        )
    )


def add_document(session: Session, document: LoanDocument) -> LoanDocument:
    session.add(document)
    session.flush()
    return document


def latest_document(session: Session, tenant_id: int, loan_id: int, kind: str):
    return session.scalar(
        select(LoanDocument)
        .where(
            LoanDocument.tenant_id == tenant_id,
            LoanDocument.loan_id == loan_id,
            LoanDocument.kind == kind,
            LoanDocument.status == "issued",
        )
        .order_by(LoanDocument.id.desc())
        .limit(1)
    )


def void_documents(session: Session, loan_id: int, kind: str) -> int:
    """Mark the loan's issued documents of ``kind`` void; return how many."""
    rows = session.scalars(
        select(LoanDocument).where(
            LoanDocument.loan_id == loan_id,
            LoanDocument.kind == kind,
            LoanDocument.status == "issued",
        )
    ).all()
    for row in rows:
        row.status = "void"
    return len(rows)


def partner_shares(
    session: Session,
    tenant_id: int,
    loan_id: int,
    accounts: Iterable[str] = (Account.LOAN_PRINCIPAL,),
) -> dict[str, Decimal]:
    """Return, per owner other than the own book, the principal ever booked to it on the loan.

    A co-lent loan's partner share shows as postings owned by the co-lender; the sum of
    its debits (what it lent) is its share, whatever has been repaid since.
    """
    rows = session.execute(
        select(ExposureOwner.code, func.sum(LedgerPosting.amount))
        .join(ExposureOwner, ExposureOwner.id == LedgerPosting.owner_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(
            LedgerPosting.tenant_id == tenant_id,
            LedgerPosting.loan_id == loan_id,
            LedgerPosting.amount > 0,
            LedgerAccount.code.in_(list(accounts)),
            ExposureOwner.code != OWN_BOOK,
        )
        .group_by(ExposureOwner.code)
        .order_by(ExposureOwner.code)
    )
    return {code: amount for code, amount in rows}


def recovered_totals(session: Session, tenant_id: int, since: date | None = None) -> Decimal:
    """Return the money recovered on written-off loans (optionally from ``since``)."""
    stmt = select(func.coalesce(func.sum(LoanChange.amount), 0)).where(
        LoanChange.tenant_id == tenant_id, LoanChange.kind == "recovery"
    )
    if since is not None:
        stmt = stmt.where(LoanChange.business_date >= since)
    return session.scalar(stmt)


def parties_of(session: Session, loan_id: int) -> list[LoanParty]:
    return list(
        session.scalars(
            select(LoanParty).where(LoanParty.loan_id == loan_id).order_by(LoanParty.id)
        )
    )


def collateral_of(session: Session, loan_id: int) -> list[LoanCollateral]:
    return list(
        session.scalars(
            select(LoanCollateral)
            .where(LoanCollateral.loan_id == loan_id)
            .order_by(LoanCollateral.id)
        )
    )
