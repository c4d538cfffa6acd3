"""Many simultaneous API payments through the group commit end serialised and correct.

Real commits, real threads: 18 requests start together against one batcher (two leaders,
small batches, so batches overlap) and, like the endpoint, take the one-by-one path when
the batch leaves them. Loan 1 gets six payments of 1,000; loan 2 the same request three
times under one ``Idempotency-Key``; loan 3 two good payments and one in the wrong
currency; loan 4 its whole EMI twice (the second is an advance). Whatever the order, the
loans hold what serial posting gives, one repayment per key, a clean ledger and audit chain.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from hub.loans.repayment_batch import SinglePayment
from hub.loans.repayment_batcher import ApiPayment, RepaymentBatcher, post_one
from hub.platform.db.engine import make_engine
from hub.platform.errors import SangamError
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Repayment
from lms_core.persistence.platform import audit_repository
from lms_core.persistence.platform.models import IdempotencyRecord
from tests.conftest import unique_db_name
from tests.support.db import drop_database, fresh_database
from tests.support.factories import make_tenant
from tests.support.loans import balance, close_days_through, make_loan, make_product

EMI = Decimal("8884.88")  # installment 1 of 1,00,000 at 12 % over 12 months


@pytest.fixture
def committed_db():
    name = unique_db_name("batch_concurrency")
    engine = make_engine(fresh_database(name), 8)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
    drop_database(name)


def _requests(tenant_id: int, loans: list[int]) -> list[ApiPayment]:
    def req(n, loan, amount, key=None, currency="INR"):
        body = {"amount": amount, "currency": currency, "channel": "upi"}
        payment = SinglePayment(loan, Decimal(amount), currency, "upi")
        return ApiPayment(
            tenant_id, "teller", key or f"key{n}", f"hash-{key or n}", payment, body, None
        )

    l1, l2, l3, l4 = loans
    return [
        *(req(n, l1, "1000") for n in range(6)),
        *(req(10 + n, l2, "2000", key="same") for n in range(3)),
        req(20, l3, "1500"),
        req(21, l3, "1500"),
        req(22, l3, "10", currency="USD"),
        req(30, l4, str(EMI)),
        req(31, l4, str(EMI)),
        *(req(40 + n, l1, "500") for n in range(4)),
    ]


def _answer(factory, batcher, request):
    """What the endpoint does: the batch, else one by one in the request's own session."""
    body = batcher.submit(request)
    if body is not None:
        return 201, body
    try:
        with factory() as s:
            response = post_one(s, request, timedelta(hours=24))
            s.commit()
    except SangamError as exc:
        return exc.status_code, exc.detail
    return response.status_code, json.loads(response.body)


def test_simultaneous_requests_serialise(committed_db):
    with committed_db() as s:
        tenant = make_tenant(s)
        make_product(s, tenant)
        loans = [make_loan(s, tenant).id for _ in range(4)]
        close_days_through(s, tenant, date(2024, 1, 31))
        s.commit()
        tenant_id = tenant.id
    requests = _requests(tenant_id, loans)
    batcher = RepaymentBatcher(committed_db, leaders=2, max_batch=4)
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            answers[i] = _answer(committed_db, batcher, requests[i])
        except BaseException as exc:  # collected and asserted below
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = [a[0] if isinstance(a, tuple) else a for a in answers]
    assert statuses[:9] == [201] * 6 + statuses[6:9]
    assert all(s in (201, 409) for s in statuses[6:9]) and 201 in statuses[6:9]
    assert statuses[9:] == [201, 201, 422, 201, 201, 201, 201, 201, 201]
    with committed_db() as s:
        _assert_books(s, tenant_id, loans, answers)


def _assert_books(s, tenant_id: int, loans: list[int], answers) -> None:
    l1, l2, l3, l4 = loans
    paid = {lid: Decimal(0) for lid in loans}
    reps = list(s.scalars(select(Repayment).where(Repayment.tenant_id == tenant_id)))
    for r in reps:
        paid[r.loan_id] += r.amount
    assert paid == {l1: Decimal("8000"), l2: Decimal("2000"), l3: Decimal("3000"), l4: 2 * EMI}
    same_key = [a[1]["id"] for a in answers[6:9] if a[0] == 201]
    assert len(set(same_key)) == 1  # every 201 for the repeated key names one repayment
    stored = s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "same"))
    assert stored.response_body["id"] == same_key[0]
    assert len(reps) == 6 + 1 + 2 + 2 + 4
    tenant = type("T", (), {"id": tenant_id})
    for lid in loans:
        dues = loan_repository.due_rows(s, [lid])[lid]
        settled = sum((d.paid for d in dues), Decimal(0))
        assert settled == min(paid[lid], EMI)  # serial posting settles the EMI first
        assert balance(s, tenant, "ESCROW_BANK", lid) == paid[lid]
    assert balance(s, tenant, "BORROWER_ADVANCE", l4) == -EMI
    assert ledger_repository.verify(s) == []
    assert audit_repository.verify_chain(s) == []
    assert audit_repository.count(s, tenant_id) == len(reps)
