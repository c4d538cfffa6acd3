"""A small mixed portfolio for end-of-day tests, and snapshots to compare two runs of it.

Eight loans walk through months of business dates: on time, never paying (NPA), late,
partial, a bounced payment, a back-dated payment, and two on a product with a late fee
and grace days. The same portfolio booked in two tenants must end identical whichever
way its day-ends run.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.loans.day_close import run_partition
from hub.loans.repayments import RepaymentIn, post_repayment, reverse_repayment
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Loan, LoanDue, LoanEvent, PenalCharge
from lms_core.persistence.platform import tenant_repository
from tests.support.loans import PERSONAL_LOAN, make_loan, make_product

LATE_FEE_LOAN = {
    **PERSONAL_LOAN,
    "late_fee": "250",
    "late_fee_after_days": 5,
    "grace_days": 3,
    "penal_rate": "18",
    "npa_dpd": 30,  # NPA early, so a short run sees the move and the suspense
}
START = date(2024, 1, 1)
EMI = Decimal("8884.88")  # 100000 at 12 % over 12 months (see test_scenarios)


def book_portfolio(db: Session, tenant) -> list[int]:
    make_product(db, tenant)
    make_product(db, tenant, "LF", LATE_FEE_LOAN)
    loans = [make_loan(db, tenant) for _ in range(6)]
    loans += [make_loan(db, tenant, product="LF") for _ in range(2)]
    loans.append(
        make_loan(
            db,
            tenant,
            principal="50000",
            tenure=6,
            start=START,
            first_due=date(2024, 1, 20),
        )
    )
    return [loan.id for loan in loans]


def _pay(db, tenant, loan_id, amount, ref, value_date=None):
    body = RepaymentIn(Decimal(amount), external_ref=ref, value_date=value_date)
    return post_repayment(db, tenant.id, loan_id, body, "test")


def actions(db: Session, tenant, ids: list[int], day: date) -> None:
    """The portfolio's payments of business date ``day`` (before its day-end)."""
    on_time, _never, late, partial, bounced, backdated, _lf_never, lf_late, short = ids
    if day.day == 1 and day > START:
        _pay(db, tenant, on_time, EMI, f"ot{day}")
        _pay(db, tenant, partial, "5000", f"pa{day}")
        rep = _pay(db, tenant, bounced, EMI, f"bo{day}")
        if day.month % 2 == 0:
            reverse_repayment(db, tenant.id, rep.id, "NACH return", "test", bounce=True)
    if day.day == 11 and day.month > 1:
        _pay(db, tenant, late, EMI, f"la{day}")
        _pay(db, tenant, lf_late, EMI, f"ll{day}")
        _pay(db, tenant, backdated, EMI, f"bd{day}", value_date=day.replace(day=2))
    if day.day == 10 and day.month > 1:
        _pay(db, tenant, short, "8000", f"sh{day}")


def run_days(db: Session, tenant, ids: list[int], last: date, *, bulk_path: bool) -> Counter:
    """Close every day through ``last``; return the loan-days closed by each path."""
    day = tenant_repository.business_date(db, tenant.id)
    paths: Counter = Counter()
    while day <= last:
        actions(db, tenant, ids, day)
        behind = loan_repository.active_loan_ids(db, tenant.id, before=day)
        outcome = run_partition(db, tenant.id, behind, day, bulk_path=bulk_path)
        assert outcome.failed == []
        paths.update(quiet=outcome.quiet, bulk=outcome.bulk, full=outcome.closed - outcome.bulk)
        tenant_repository.set_business_date(db, tenant.id, day, day + timedelta(days=1))
        day += timedelta(days=1)
    return paths


def snapshot(db: Session, tenant, ids: list[int]) -> dict:
    """Everything end-of-day writes, per loan position (so two tenants compare)."""
    db.flush()
    db.expire_all()
    pos = {loan_id: n for n, loan_id in enumerate(ids)}
    balances = {
        (pos[r.loan_id], r.account): r.balance
        for r in ledger_repository.balances(db, tenant.id, date(2099, 1, 1), by=("account", "loan"))
        if r.loan_id in pos and r.balance
    }
    dues = sorted(
        (
            pos[d.loan_id],
            d.kind,
            d.installment if d.kind != "bounce" else 0,
            d.component,
            d.due_date,
            d.amount,
            d.paid,
        )
        for d in db.scalars(select(LoanDue).where(LoanDue.loan_id.in_(ids)))
    )
    penal = sorted(
        (pos[p.loan_id], p.day, p.installment, p.amount)
        for p in db.scalars(select(PenalCharge).where(PenalCharge.loan_id.in_(ids)))
    )
    events = sorted(
        (pos[e.loan_id], e.business_date, e.kind, str(e.detail.get("to")))
        for e in db.scalars(select(LoanEvent).where(LoanEvent.loan_id.in_(ids)))
        if e.kind in ("classification", "closed", "rate_reset")
    )
    loans = sorted(
        (
            pos[x.id],
            x.status,
            x.dpd,
            x.asset_class,
            x.state,
            x.npa_since,
            x.eod_through,
            x.accrued_through,
            x.advance,
        )
        for x in db.scalars(select(Loan).where(Loan.id.in_(ids)))
    )
    return {"balances": balances, "dues": dues, "penal": penal, "events": events, "loans": loans}
