"""Helpers for NACH scenarios: a loan with a registered mandate, reading what moved."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hub.collections import mandates
from hub.collections.mandates import MandateIn
from lms_core.collections.enums import AmountRule, MandateKind
from lms_core.money import D
from lms_core.persistence.collections.models import PresentationItem
from lms_core.persistence.loans.models import LoanDue, Repayment
from tests.support.loans import make_loan

ACCOUNTS = iter(range(10**11, 10**12))


def loan_with_mandate(db, tenant, cipher, *, umrn: str, name: str = "Ravi Kumar", **loan_kw):
    loan = make_loan(db, tenant, **loan_kw)
    data = MandateIn(
        loan_id=loan.id,
        kind=MandateKind.NACH_PHYSICAL,
        debtor_name=name,
        debtor_account=str(next(ACCOUNTS)),
        debtor_ifsc="HDFC0001234",
        amount=D("10000"),
        amount_rule=AmountRule.MAXIMUM,
        frequency="MNTH",
        start_date=date(2024, 1, 1),
        reference=umrn,
    )
    return loan, mandates.create(db, cipher, tenant.id, data, "test")


def items(db, loan_id: int) -> list[PresentationItem]:
    stmt = select(PresentationItem).where(PresentationItem.loan_id == loan_id)
    return list(db.scalars(stmt.order_by(PresentationItem.id)))


def repayments(db, loan_id: int) -> list[Repayment]:
    return list(db.scalars(select(Repayment).where(Repayment.loan_id == loan_id)))


def dues(db, loan_id: int, kind: str) -> list[LoanDue]:
    stmt = select(LoanDue).where(LoanDue.loan_id == loan_id, LoanDue.kind == kind)
    return list(db.scalars(stmt.order_by(LoanDue.due_date, LoanDue.component)))
