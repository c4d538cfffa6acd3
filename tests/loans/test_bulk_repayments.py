"""Bulk repayments give exactly what posting the records one by one gives.

Two tenants get the same five loans (1,00,000 at 12 % over 2 months, due 1 Feb and
1 Mar 2024) and the same day-ends through 29 Feb, so on 1 Mar installment 1 is 29 days
overdue (with penal) and installment 2 falls due today. The same file of payments is
posted to one tenant with ``post_repayment`` record by record and to the other with
``post_repayments``; dues, allocations, repayments, loans, events and every ledger
posting of every loan must come out identical, and so must the outcomes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from hub.loans.bulk_repayments import PaymentRecord, Result, post_repayments
from hub.loans.repayments import Channel, RepaymentIn, post_repayment
from hub.platform.errors import SangamError
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Allocation, LoanDue, LoanEvent, Repayment
from lms_core.persistence.platform.models import JournalEntry, LedgerAccount, LedgerPosting
from tests.support.factories import make_tenant
from tests.support.loans import PERSONAL_LOAN, close_days_through, make_loan, make_product

TODAY = date(2024, 3, 1)


def _setup(db):
    tenant = make_tenant(db)
    make_product(db, tenant, rules={**PERSONAL_LOAN, "min_tenure": 2})
    loans = [make_loan(db, tenant, tenure=2) for _ in range(5)]
    close_days_through(db, tenant, date(2024, 2, 29))
    return tenant, loans


def _owed_today(db, loan) -> Decimal:
    rows = loan_repository.due_rows(db, [loan.id])[loan.id]
    owed = sum((r.amount - r.paid - r.waived for r in rows), Decimal(0))
    plan = loan_repository.plans(db, [loan])[loan.id]
    return owed + sum((p.principal + p.interest + p.fees for p in plan if p.due_date == TODAY), 0)


def _records(db, loans) -> list[PaymentRecord]:
    l1, l2, l3, l4, l5 = loans
    rec = lambda n, loan, amount, **kw: PaymentRecord(  # noqa: E731
        n, Decimal(amount), kw.pop("ref", f"UTR{n:04d}"), loan_number=loan.loan_number, **kw
    )
    return [
        rec(1, l1, "5000"),
        rec(2, l1, "10", currency="USD"),  # rejected: currency
        rec(3, l2, str(_owed_today(db, l2))),  # pays everything: closes
        rec(4, l2, "100"),  # rejected: the loan closed with record 3
        rec(5, l3, str(_owed_today(db, l3) + 1000)),  # closes with 1,000 advance
        rec(6, l4, "3000", value_date=date(2024, 2, 10)),  # back-dated: one by one
        rec(7, l4, "2000"),
        PaymentRecord(8, Decimal("1000"), "UTR0008", loan_id=l5.id, channel="upi"),
        rec(9, l5, "60000"),
        rec(10, l5, "-5"),  # rejected: amount
        rec(11, l5, "1000", ref="UTR0008"),  # same reference, loan and amount: duplicate
        rec(12, l5, "999", ref="UTR0008"),  # same reference, other amount: rejected
        PaymentRecord(13, Decimal("10"), "UTR0013", loan_number="LN-NOPE"),
        rec(14, l1, "10", channel="pigeon"),
    ]


def _one_by_one(db, tenant, records, loans) -> list[Result]:
    ids = {loan.loan_number: loan.id for loan in loans}
    results = []
    for r in records:
        loan_id = r.loan_id or ids.get(r.loan_number, -1)
        body = RepaymentIn(
            r.amount, r.currency, r.channel, r.value_date, r.reference, r.external_ref
        )
        try:
            if r.channel not in set(Channel):
                raise SangamError("bad channel")
            with db.begin_nested():
                existing = loan_repository.repayment_by_ref(db, tenant.id, r.external_ref)
                post_repayment(db, tenant.id, loan_id, body, "test")
            results.append(Result.DUPLICATE if existing else Result.APPLIED)
        except SangamError:
            results.append(Result.REJECTED)
    return results


def _snapshot(db, loan) -> dict:
    db.expire_all()
    due_key = {d.id: (d.kind, d.installment, d.component) for d in _all(db, LoanDue, loan)}
    reps = db.scalars(select(Repayment).where(Repayment.loan_id == loan.id).order_by(Repayment.id))
    reps = list(reps)
    n = {r.id: i for i, r in enumerate(reps)}
    allocs = db.scalars(
        select(Allocation).where(Allocation.repayment_id.in_(list(n))).order_by(Allocation.id)
    )
    postings = db.execute(
        select(JournalEntry.kind, JournalEntry.value_date, LedgerAccount.code, LedgerPosting.amount)
        .join(LedgerPosting, LedgerPosting.journal_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerPosting.loan_id == loan.id)
    )
    loan_row = loan_repository.get_loan(db, loan.tenant_id, loan.id)
    return {
        "loan": (loan_row.status, loan_row.closed_on, loan_row.advance, loan_row.dpd),
        "dues": sorted(
            (d.kind, d.installment, d.component, d.due_date, d.amount, d.paid)
            for d in _all(db, LoanDue, loan)
        ),
        "repayments": [
            (r.amount, r.currency, r.channel, r.value_date, r.status, r.excess, r.external_ref)
            for r in reps
        ],
        "allocations": sorted((n[a.repayment_id], due_key[a.due_id], a.amount) for a in allocs),
        "postings": sorted(tuple(p) for p in postings),
        "events": sorted((e.kind, e.business_date) for e in _all(db, LoanEvent, loan)),
    }


def _all(db, model, loan):
    return list(db.scalars(select(model).where(model.loan_id == loan.id)))


def test_bulk_equals_one_by_one(db):
    tenant_a, loans_a = _setup(db)
    tenant_b, loans_b = _setup(db)
    results_a = _one_by_one(db, tenant_a, _records(db, loans_a), loans_a)
    result = post_repayments(db, tenant_b.id, _records(db, loans_b), "test")
    assert [o.result for o in result.outcomes] == results_a
    assert results_a == [
        Result.APPLIED, Result.REJECTED, Result.APPLIED, Result.REJECTED, Result.APPLIED,
        Result.APPLIED, Result.APPLIED, Result.APPLIED, Result.APPLIED, Result.REJECTED,
        Result.DUPLICATE, Result.REJECTED, Result.REJECTED, Result.REJECTED,
    ]  # fmt: skip
    assert result.batched == 5  # records 1, 3, 5, 8, 9; loan 4's two went one by one
    for a, b in zip(loans_a, loans_b, strict=True):
        assert _snapshot(db, a) == _snapshot(db, b)
    closed = _snapshot(db, loans_b[2])["loan"]
    assert closed[0] == "closed" and closed[2] == Decimal("1000.00")


def test_reasons_name_the_record_and_field(db):
    tenant, loans = _setup(db)
    result = post_repayments(db, tenant.id, _records(db, loans), "test")
    rejected = {o.record: (o.field, o.reason) for o in result.outcomes if o.reason}
    assert rejected[2] == ("currency", "record 2: currency: USD differs from the loan's INR")
    assert rejected[4] == (
        "loan_id",
        f"record 4: loan {loans[1].loan_number} is closed: no payments accepted",
    )
    assert rejected[10] == ("amount", "record 10: amount: must be positive, got -5")
    assert rejected[12][0] == "external_ref"
    assert rejected[13] == ("loan_number", "record 13: loan LN-NOPE not found")
    assert rejected[14] == ("channel", "record 14: unknown channel 'pigeon'")


def test_a_second_run_of_the_same_file_posts_nothing(db):
    tenant, loans = _setup(db)
    records = _records(db, loans)
    post_repayments(db, tenant.id, records, "test")
    before = [_snapshot(db, loan) for loan in loans]
    again = post_repayments(db, tenant.id, records, "test")
    assert again.count(Result.APPLIED) == 0
    assert again.count(Result.DUPLICATE) == 8
    assert [_snapshot(db, loan) for loan in loans] == before
