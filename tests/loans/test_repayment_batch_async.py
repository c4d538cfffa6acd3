"""The group commit awaited by the async endpoint: same books as the threaded callers.

The eighteen simultaneous requests of ``test_repayment_batch_concurrency`` (same loan,
repeated key, wrong currency, advance) go through one batcher, twelve as coroutines
(``submit_async``: no thread held while waiting) and six as blocking threads, so leaders
of both kinds take each other's requests. Then the real endpoint with the real batcher,
over HTTP in-process: twelve payments at once, a replay, a refusal.
"""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool

from hub.app.api import create_app
from hub.loans.repayment_batcher import RepaymentBatcher, post_one
from hub.platform.config import load_settings
from hub.platform.db.engine import make_engine
from hub.platform.errors import SangamError
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.platform import audit_repository
from lms_core.persistence.platform.models import Tenant
from tests.conftest import unique_db_name
from tests.loans.test_repayment_batch_concurrency import (
    EMI,
    _answer,
    _assert_books,
    _requests,
)
from tests.support.db import drop_database, fresh_database
from tests.support.factories import TEST_SECRET, make_tenant, make_user, token_for
from tests.support.loans import balance, close_days_through, make_loan, make_product


@pytest.fixture
def committed_db():
    name = unique_db_name("batch_async")
    engine = make_engine(fresh_database(name), 8)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
    drop_database(name)


def _run(coroutine):
    """``asyncio.run`` in a thread of its own: a browser test's Playwright may have left
    an event loop running in the main thread of this test process."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


class _Counting(RepaymentBatcher):
    """The batcher, noting the size of each batch it posts."""

    def _run(self, batch) -> None:
        self.__dict__.setdefault("sizes", []).append(len(batch))
        super()._run(batch)


def _books(committed_db, loans: int = 4) -> tuple[int, list[int]]:
    with committed_db() as s:
        tenant = make_tenant(s)
        make_product(s, tenant)
        ids = [make_loan(s, tenant).id for _ in range(loans)]
        close_days_through(s, tenant, date(2024, 1, 31))
        s.commit()
        return tenant.id, ids


async def _answer_async(factory, batcher: RepaymentBatcher, request):
    """What the endpoint does: await the batch, else one by one in a pool thread."""
    body = await batcher.submit_async(request)
    if body is not None:
        return 201, body

    def one_by_one():
        with factory() as s:
            response = post_one(s, request, timedelta(hours=24))
            s.commit()
        return response

    try:
        response = await run_in_threadpool(one_by_one)
    except SangamError as exc:
        return exc.status_code, exc.detail
    return response.status_code, json.loads(response.body)


def test_coroutines_and_threads_share_the_batches(committed_db):
    tenant_id, loans = _books(committed_db)
    requests = _requests(tenant_id, loans)
    batcher = RepaymentBatcher(committed_db, leaders=2, max_batch=4)
    answers: list = [None] * len(requests)
    in_threads = {2, 5, 7, 11, 13, 16}  # some of each group of requests
    start = threading.Barrier(len(in_threads) + 1)

    def run(i: int) -> None:
        start.wait(timeout=30)
        answers[i] = _answer(committed_db, batcher, requests[i])

    async def run_async() -> None:
        start.wait(timeout=30)
        todo = [i for i in range(len(requests)) if i not in in_threads]
        answering = (_answer_async(committed_db, batcher, requests[i]) for i in todo)
        got = await asyncio.wait_for(asyncio.gather(*answering), 60)  # a lost request fails
        for i, answer in zip(todo, got, strict=True):
            answers[i] = answer

    threads = [threading.Thread(target=run, args=(i,)) for i in sorted(in_threads)]
    for t in threads:
        t.start()
    _run(run_async())
    for t in threads:
        t.join(timeout=120)
    statuses = [a[0] for a in answers]
    assert statuses[:6] == [201] * 6
    assert all(s in (201, 409) for s in statuses[6:9]) and 201 in statuses[6:9]
    assert statuses[9:] == [201, 201, 422, 201, 201, 201, 201, 201, 201]
    with committed_db() as s:
        _assert_books(s, tenant_id, loans, answers)


def test_the_endpoint_with_the_real_batcher(committed_db):
    tenant_id, loans = _books(committed_db, loans=12)
    with committed_db() as s:
        tenant = s.get(Tenant, tenant_id)
        token = token_for(make_user(s, tenant), tenant)
        s.commit()
    settings = load_settings(jwt_secret=TEST_SECRET, environment="test", log_json=False)
    app = create_app(settings, committed_db)
    batcher = app.state.repayment_batcher = _Counting(committed_db)
    auth = {"Authorization": f"Bearer {token}"}

    async def pay(client, loan_id: int, key: str, currency: str = "INR") -> httpx.Response:
        body = {"amount": str(EMI), "channel": "upi", "currency": currency}
        headers = {**auth, "Idempotency-Key": key}
        return await client.post(f"/api/v1/loans/{loan_id}/repayments", json=body, headers=headers)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            paying = asyncio.gather(*(pay(client, lid, f"k{lid}") for lid in loans))
            first = await asyncio.wait_for(paying, 60)
            again = await pay(client, loans[0], f"k{loans[0]}")
            refused = await pay(client, loans[1], "usd", currency="USD")
        return first, again, refused

    first, again, refused = _run(scenario())
    assert [r.status_code for r in first] == [201] * len(loans)
    assert [r.json()["loan_id"] for r in first] == loans
    assert {r.json()["amount"] for r in first} == {f"{EMI:.2f}"}
    assert len({r.json()["id"] for r in first}) == len(loans)
    assert sum(batcher.sizes) == len(loans) + 2  # every request went to the batcher first
    assert (again.status_code, again.json()) == (201, first[0].json())
    assert again.headers["idempotent-replayed"] == "true"
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    with committed_db() as s:
        tenant = s.get(Tenant, tenant_id)
        for lid in loans:
            assert balance(s, tenant, "ESCROW_BANK", lid) == EMI
        assert ledger_repository.verify(s) == []
        assert audit_repository.verify_chain(s) == []
        assert audit_repository.count(s, tenant_id) == len(loans)  # none for replay, refusal
    assert Decimal(first[0].json()["excess"]) == Decimal("0")
