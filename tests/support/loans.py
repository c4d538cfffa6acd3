"""Helpers for servicing scenarios: a product, a booked loan, day-ends on the test session."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans.booking import PartyIn, book_loan, disburse
from hub.loans.day_close import run_partition
from lms_core.ledger import OWN_BOOK
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository

PERSONAL_LOAN = {
    "terms_defaults": {
        "currency": "INR",
        "frequency": "monthly",
        "interest_method": "declining",
        "amortization": "equal_installment",
        "interest_basis": "period",
        "day_count": "ACT/365F",
    },
    "min_amount": "1000",
    "max_amount": "5000000",
    "min_tenure": 3,
    "max_tenure": 60,
    "min_rate": "8",
    "max_rate": "36",
    "frequencies": ["monthly"],
    "penal_rate": "24",
    "grace_days": 0,
    "bounce_fee": "500",
    "waterfall": {
        "standard": "penalties_fees_interest_principal",
        "npa": "principal_first",
        "written_off": "principal_first",
        "settlement": "settlement",
    },
}


def make_product(db: Session, tenant, code: str = "PL", rules: dict | None = None):
    return loan_repository.create_product_version(
        db, tenant.id, code, "Personal loan", rules or PERSONAL_LOAN
    )


def make_loan(
    db: Session,
    tenant,
    *,
    principal="100000",
    rate="12",
    tenure=12,
    start=date(2024, 1, 1),
    first_due=date(2024, 2, 1),
    product="PL",
    **terms,
):
    payload = {
        "principal": principal,
        "annual_rate": rate,
        "tenure": tenure,
        "disbursement_date": start.isoformat(),
        "first_due_date": first_due.isoformat(),
        **terms,
    }
    loan = book_loan(
        db, tenant.id, product, payload, [PartyIn("borrower", "Ravi Kumar", pan="ABCDE1234F")]
    )
    disburse(db, tenant.id, loan.id, "test")
    return loan


def close_days_through(db: Session, tenant, last: date) -> None:
    """Run day-ends until the business date is the day after ``last``."""
    day = tenant_repository.business_date(db, tenant.id)
    while day <= last:
        ids = loan_repository.active_loan_ids(db, tenant.id, before=day)
        run_partition(db, tenant.id, ids, day)
        tenant_repository.set_business_date(db, tenant.id, day, day + timedelta(days=1))
        day += timedelta(days=1)


def balance(
    db: Session, tenant, account: str, loan_id: int, as_of: date = date(2099, 1, 1)
) -> Decimal:
    return ledger_repository.balance_of(
        db, tenant.id, account, as_of, owner=OWN_BOOK, loan_id=loan_id
    )
