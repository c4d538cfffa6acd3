"""The repayment API's group commit gives exactly what the one-by-one path gives.

Two tenants get the same five loans (see ``test_bulk_repayments``: on 1 Mar 2024
installment 1 is overdue with penal, installment 2 falls due today). The same requests go
to tenant A one by one (:func:`post_one`, the endpoint's old path) and to tenant B as one
batch (:func:`post_batch`, then :func:`post_one` for what the batch left, as the endpoint
does). Responses, stored idempotency responses, audit rows, dues, allocations,
repayments, loans, events and every ledger posting must come out identical.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from hub.loans.repayment_batch import SinglePayment
from hub.loans.repayment_batcher import ONE_BY_ONE, ApiPayment, post_batch, post_one
from hub.platform.errors import SangamError
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans.models import Repayment
from lms_core.persistence.platform import audit_repository
from lms_core.persistence.platform.models import AuditLog, IdempotencyRecord
from tests.loans.test_bulk_repayments import _owed_today, _setup, _snapshot

TTL = timedelta(hours=24)


def _requests(db, tenant, loans) -> list[ApiPayment]:
    l1, l2, l3, l4, l5 = loans

    def req(n, loan_id, amount, key="k", **kw):
        channel, currency = kw.pop("channel", "neft"), kw.pop("currency", "INR")
        body = {"amount": f"{Decimal(amount):.2f}", "currency": currency, "channel": channel}
        payment = SinglePayment(loan_id, Decimal(amount), currency, channel, **kw)
        key = None if key is None else f"{key}{n}"
        return ApiPayment(tenant.id, "teller", key, f"hash{n}", payment, body, f"req{n}")

    return [
        req(1, l1.id, "5000", channel="upi"),
        req(2, l2.id, str(_owed_today(db, l2))),  # pays everything: closes
        req(3, l2.id, "100"),  # the loan closed with request 2: 409
        req(4, l3.id, "3000", value_date=date(2024, 2, 10)),  # back-dated: one by one
        req(5, l3.id, "2000"),  # same loan as a back-dated payment: one by one too
        req(6, l4.id, "10", currency="USD"),  # 422
        req(7, l5.id, "1000", key=None, reference="counter 3"),  # no Idempotency-Key
        req(8, l5.id, str(_owed_today(db, l5))),  # with request 7: closes, 1,000 advance
        req(9, 999999, "10"),  # no such loan: 404
        req(10, l1.id, "5000", key="k", channel="upi"),  # a new key on loan 1
    ]


def _one_by_one(db, requests) -> list:
    return [_answer(db, r) for r in requests]


def _answer(db, request):
    try:
        with db.begin_nested():
            response = post_one(db, request, TTL)
    except SangamError as exc:
        return (exc.status_code, exc.detail)
    return (response.status_code, response.body)


def _batched(db, requests) -> list:
    with db.begin_nested():
        outcomes = post_batch(db, requests)
    answers = []
    for request, body in zip(requests, outcomes, strict=True):
        if body is ONE_BY_ONE:
            answers.append(_answer(db, request))
        else:
            answers.append((201, body))
    return answers, outcomes


def _normalise(db, tenant, loans, answers) -> list:
    """Responses with repayment ids replaced by (loan, n-th repayment of the loan) and
    loan numbers by the loan's position (the tenants number their loans apart)."""
    order = {}
    for r in db.scalars(
        select(Repayment).where(Repayment.tenant_id == tenant.id).order_by(Repayment.id)
    ):
        order[r.id] = (r.loan_id, len([k for k in order.values() if k[0] == r.loan_id]))
    paid = sorted({lid for lid, _ in order.values()})
    rank = {rid: (paid.index(lid), n) for rid, (lid, n) in order.items()}
    out = []
    for status, body in answers:
        if isinstance(body, bytes):
            body = json.loads(body)
        if isinstance(body, dict) and "id" in body:
            body = {**body, "id": rank[body["id"]], "loan_id": None}
        for i, loan in enumerate(loans):
            body = body.replace(loan.loan_number, f"loan#{i}") if isinstance(body, str) else body
        out.append((status, body))
    return out, rank


def _audit(db, tenant, rank) -> list:
    rows = db.scalars(select(AuditLog).where(AuditLog.tenant_id == tenant.id).order_by(AuditLog.id))
    return sorted(
        (r.action, r.actor, r.request_id, rank[r.after["repayment"]], _without_id(r.after))
        for r in rows
        if r.action == "repayment.post"
    )


def _without_id(after: dict) -> list:
    return sorted((k, v) for k, v in after.items() if k != "repayment")


def _keys(db, tenant, rank) -> list:
    rows = db.scalars(select(IdempotencyRecord).where(IdempotencyRecord.tenant_id == tenant.id))
    return sorted(
        (
            r.key,
            r.request_hash,
            r.status_code,
            rank[r.response_body["id"]],
            r.response_body["excess"],
        )
        for r in rows
    )


def test_batched_equals_one_by_one(db):
    tenant_a, loans_a = _setup(db)
    tenant_b, loans_b = _setup(db)
    answers_a = _one_by_one(db, _requests(db, tenant_a, loans_a))
    answers_b, outcomes = _batched(db, _requests(db, tenant_b, loans_b))
    assert [o is not ONE_BY_ONE for o in outcomes] == [
        True, True, False, False, False, False, True, True, False, True,
    ]  # fmt: skip
    assert [s for s, _ in answers_a] == [201, 201, 409, 201, 201, 422, 201, 201, 404, 201]
    norm_a, rank_a = _normalise(db, tenant_a, loans_a, answers_a)
    norm_b, rank_b = _normalise(db, tenant_b, loans_b, answers_b)
    assert norm_a == norm_b
    assert norm_a[7][1]["excess"] == "1000.00"  # the advance is reported, not just stored
    for a, b in zip(loans_a, loans_b, strict=True):
        assert _snapshot(db, a) == _snapshot(db, b)
    assert _audit(db, tenant_a, rank_a) == _audit(db, tenant_b, rank_b)
    assert len(_audit(db, tenant_b, rank_b)) == 7
    assert _keys(db, tenant_a, rank_a) == _keys(db, tenant_b, rank_b)
    assert audit_repository.verify_chain(db) == []
    assert ledger_repository.verify(db) == []


def test_a_retried_key_replays_and_a_known_key_goes_one_by_one(db):
    tenant, loans = _setup(db)
    first = _requests(db, tenant, loans)[0]
    outcomes = post_batch(db, [first, first])  # the retry inside the same batch
    assert outcomes[0] is not ONE_BY_ONE and outcomes[1] is ONE_BY_ONE
    replay = post_one(db, first, TTL)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.body == post_one(db, first, TTL).body
    assert post_batch(db, [first]) == [ONE_BY_ONE]  # stored key: the guard answers
    count = select(func.count()).where(Repayment.loan_id == loans[0].id)
    assert db.scalar(count) == 1
