"""Read models of a loan: summary, schedule with paid status, transactions, statement."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lms_core.ledger import OWN_BOOK
from lms_core.ledger.lines import RECEIVABLES
from lms_core.money import ZERO
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Loan
from lms_core.persistence.platform import tenant_repository

RECEIVABLE_ACCOUNTS = RECEIVABLES  # what the borrower owes, in the order the summary shows


def _s(value: Decimal) -> str:
    return f"{value:.2f}"


def summary(session: Session, tenant_id: int, loan: Loan) -> dict[str, Any]:
    """Return the loan's position: outstanding by component, overdue, DPD, next due."""
    today = tenant_repository.business_date(session, tenant_id)
    rows = ledger_repository.balances(
        session,
        tenant_id,
        today,
        by=("account",),
        accounts=RECEIVABLE_ACCOUNTS,
        owner=OWN_BOOK,
        loan_id=loan.id,
    )
    outstanding = {r.account: r.balance for r in rows}
    dues = loan_repository.due_rows(session, [loan.id])[loan.id]
    overdue = sum((d.amount - d.paid - d.waived for d in dues if d.due_date < today), ZERO)
    plan = loan_repository.plans(session, [loan])[loan.id]
    upcoming = next((p for p in plan if p.due_date >= today), None)
    parties = loan_repository.parties(session, loan.id)
    return {
        "id": loan.id,
        "loan_number": loan.loan_number,
        "status": loan.status,
        "currency": loan.currency,
        "principal": _s(loan.principal),
        "annual_rate": str(loan.annual_rate),
        "disbursed_on": loan.disbursed_on,
        "closed_on": loan.closed_on,
        "outstanding": {k.lower(): _s(outstanding.get(k, ZERO)) for k in RECEIVABLE_ACCOUNTS},
        "total_outstanding": _s(sum(outstanding.values(), ZERO)),
        "overdue": _s(overdue),
        "dpd": loan.dpd,
        "asset_class": loan.asset_class,
        "advance": _s(loan.advance),
        "next_due": {
            "number": upcoming.number,
            "due_date": upcoming.due_date,
            "amount": _s(upcoming.principal + upcoming.interest + upcoming.fees),
        }
        if upcoming
        else None,
        "parties": [{"role": p.role, "name": p.name, "pan": p.pan_masked} for p in parties],
    }


def schedule(session: Session, loan: Loan) -> list[dict[str, Any]]:
    """Return the current schedule with what has been paid of each installment."""
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for d in loan_repository.due_rows(session, [loan.id])[loan.id]:
        if d.kind == "installment":
            paid[d.installment] += d.paid + d.waived
    lines = []
    for row in loan_repository.schedule_rows(session, loan.id, loan.schedule_version):
        settled = paid[row.number]
        status = "paid" if settled >= row.total else ("partly_paid" if settled > 0 else "unpaid")
        lines.append(
            {
                "number": row.number,
                "due_date": row.due_date,
                "principal": _s(row.principal),
                "interest": _s(row.interest),
                "fees": _s(row.fees),
                "total": _s(row.total),
                "balance": _s(row.balance),
                "paid": _s(settled),
                "status": status,
            }
        )
    return lines


def transactions(session: Session, loan: Loan) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "amount": _s(r.amount),
            "currency": r.currency,
            "channel": r.channel,
            "value_date": r.value_date,
            "business_date": r.business_date,
            "reference": r.reference,
            "status": r.status,
            "excess": _s(r.excess),
            "journal_id": r.journal_id,
        }
        for r in loan_repository.repayments(session, loan.id)
    ]


def ledger_entries(
    session: Session, tenant_id: int, loan: Loan, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """Return the loan's postings (the statement of account is built from these)."""
    return [
        {"journal_id": j, "kind": k, "business_date": d, "account": a, "amount": _s(v)}
        for j, k, d, a, v in ledger_repository.loan_postings(
            session, tenant_id, loan.id, start, end
        )
    ]


def statement(
    session: Session, tenant_id: int, loan: Loan, start: date, end: date
) -> dict[str, Any]:
    """Return the statement of account: what the borrower owed at ``start``, every
    movement of their receivables in the period, and what they owe at ``end``."""

    def owed(as_of: date) -> Decimal:
        rows = ledger_repository.balances(
            session,
            tenant_id,
            as_of,
            by=("account",),
            accounts=RECEIVABLE_ACCOUNTS,
            owner=OWN_BOOK,
            loan_id=loan.id,
        )
        return sum((r.balance for r in rows), ZERO)

    movements = [
        e
        for e in ledger_entries(session, tenant_id, loan, start, end)
        if e["account"] in RECEIVABLE_ACCOUNTS
    ]
    return {
        "loan_number": loan.loan_number,
        "from": start,
        "to": end,
        "opening": _s(owed(start - timedelta(days=1))),
        "movements": movements,
        "closing": _s(owed(end)),
    }
