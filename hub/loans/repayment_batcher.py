"""Group commit for the repayment API: concurrent payments posted in one transaction.

One payment alone costs a transaction of some thirty statements (lock, load the loan's
state, replay, write dues, allocations, journal, repayment, audit row, idempotency key).
Requests that arrive while a batch is being posted wait for the next one, which takes
them all: a *leader* thread posts the batch (:func:`post_batch`) and wakes the others
with their outcomes. The endpoint's coroutines wait without a thread
(:meth:`RepaymentBatcher.submit_async`; the batcher starts its own leader thread, which
posts batch after batch while requests wait); a blocking caller's thread may lead
itself (:meth:`RepaymentBatcher.submit`). There is no timer: under light load a batch
is one payment, under heavy load batches grow by themselves.

:func:`post_batch` keeps every promise of the one-by-one path:

- the ``Idempotency-Key`` rows are reserved first, in one statement, in the batch's
  transaction (a key already known, or in flight elsewhere, sends its request to the
  one-by-one path, which replays, refuses or answers 409 as before);
- the set-wise posting (:func:`hub.loans.repayment_batch.post_together`) locks the
  loans in id order and posts what it can vouch for;
- audit rows are chained set-wise and the stored responses written in one statement;
- a request the batch did not post (any refusal, a back-dated payment, a loan behind on
  end-of-day...) gets :data:`ONE_BY_ONE` and runs today's path in its own transaction
  after the batch committed, so its error or result is exactly the old one. If the
  batch itself fails, every request in it falls back the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hub.loans.repayment_batch import PostedTogether, SinglePayment, post_together
from hub.loans.repayments import Channel, RepaymentIn, post_repayment
from hub.platform.auth.security import Principal
from hub.platform.http.deps import session_scope
from hub.platform.idempotency import (
    HEADER,
    IN_FLIGHT_WAIT,
    MAX_KEY_LENGTH,
    begin,
    remember,
    request_hash,
)
from hub.platform.observability import request_id_var
from lms_core.persistence.platform import (
    audit_repository,
    idempotency_repository,
    tenant_repository,
)

log = logging.getLogger(__name__)

ONE_BY_ONE = None  # the outcome telling a request to take the one-by-one path


@dataclass(frozen=True)
class ApiPayment:
    """One ``POST /loans/{id}/repayments`` request, as the batch needs it."""

    tenant_id: int
    client: str  # the caller's user name: actor, audit actor and idempotency scope
    key: str | None
    fingerprint: str
    payment: SinglePayment
    body_json: dict[str, Any]  # the request body as JSON (the audit row's "after")
    request_id: str | None


def post_batch(session: Session, requests: Sequence[ApiPayment]) -> list[dict | None]:
    """Post the requests (one tenant and client) in ``session``'s transaction; return per
    request the 201 response body, or ONE_BY_ONE. Never commits."""
    first = requests[0]
    tenant_id, client = first.tenant_id, first.client
    todo = _reserve_keys(session, tenant_id, client, requests)
    outcomes: list[dict | None] = [ONE_BY_ONE] * len(requests)
    if todo:
        today = tenant_repository.business_date(session, tenant_id)
        posted = post_together(
            session, tenant_id, [requests[i].payment for i in todo], client, today
        )
        for i, done in zip(todo, posted, strict=True):
            if done is not None:
                outcomes[i] = _response(requests[i], done, today)
    _finish(session, tenant_id, client, requests, todo, outcomes)
    return outcomes


def _reserve_keys(session, tenant_id: int, client: str, requests) -> list[int]:
    """Reserve the requests' keys; return the indexes the batch may post.

    Left out: a key too long (the one-by-one path says why), a key seen earlier in the
    batch (its retry is answered after this batch commits), a key already stored or in
    flight elsewhere (all keyed requests, if waiting for one timed out).
    """
    todo, keys, hashes, seen = [], [], [], set()
    for i, r in enumerate(requests):
        if r.key is None:
            todo.append(i)
        elif 0 < len(r.key) <= MAX_KEY_LENGTH and r.key not in seen:
            seen.add(r.key)
            todo.append(i)
            keys.append(r.key)
            hashes.append(r.fingerprint)
    if not keys:
        return todo
    savepoint = session.begin_nested()
    try:
        idempotency_repository.set_lock_timeout(session, IN_FLIGHT_WAIT)
        reserved = idempotency_repository.reserve_many(session, tenant_id, client, keys, hashes)
    except OperationalError:
        savepoint.rollback()  # also undoes the SET LOCAL
        return [i for i in todo if requests[i].key is None]
    savepoint.commit()
    idempotency_repository.set_lock_timeout(session, None)
    return [i for i in todo if requests[i].key is None or requests[i].key in reserved]


def _response(request: ApiPayment, done: PostedTogether, today) -> dict:
    p = request.payment
    return jsonable_encoder(
        {
            "id": done.repayment_id,
            "loan_id": p.loan_id,
            "amount": f"{p.amount:.2f}",
            "value_date": today,
            "excess": f"{done.excess:.2f}",
            "status": "posted",
        }
    )


def _finish(session, tenant_id: int, client: str, requests, todo: list[int], outcomes) -> None:
    """Audit the posted requests, store their responses, release the other keys."""
    audit, stored, released = [], [], []
    for i in todo:
        r, body = requests[i], outcomes[i]
        if body is None:
            if r.key is not None:
                released.append(r.key)
            continue
        after = {"repayment": body["id"], **r.body_json}
        audit.append(
            {
                "actor": client,
                "action": "repayment.post",
                "entity_type": "loan",
                "entity_id": r.payment.loan_id,
                "before": None,
                "after": after,
                "request_id": r.request_id,
            }
        )
        if r.key is not None:
            stored.append((r.key, 201, body))
    audit_repository.append_many(session, tenant_id, audit)
    idempotency_repository.complete_many(session, tenant_id, client, stored)
    idempotency_repository.release_many(session, tenant_id, client, released)


@dataclass
class _Waiting:
    """A request waiting for its batch (mutable on purpose: the leader fills it).

    A thread waits on the batcher's condition for ``done``; a coroutine awaits
    ``future``, set from the leader's thread through the future's event loop."""

    request: ApiPayment
    done: bool = False
    outcome: dict | None = ONE_BY_ONE
    future: asyncio.Future | None = None


def _hand_out(waiting: Sequence[_Waiting], outcomes: Sequence[dict | None]) -> None:
    """Hand each waiting request its outcome: one wake-up per event loop, not per request."""
    settled: dict[asyncio.AbstractEventLoop, list] = defaultdict(list)
    for w, outcome in zip(waiting, outcomes, strict=True):
        w.outcome, w.done = outcome, True
        if w.future is not None:
            settled[w.future.get_loop()].append((w.future, outcome))
    for loop, futures in settled.items():
        # a closed loop (RuntimeError) has nobody awaiting the answers any more
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, futures)


def _settle(futures: list[tuple[asyncio.Future, dict | None]]) -> None:
    for future, outcome in futures:
        if not future.done():  # a cancelled request: its payment is posted all the same
            future.set_result(outcome)


@dataclass
class RepaymentBatcher:
    """Collects concurrent requests of one server process into batches (see module doc).

    ``leaders`` batches may be in flight at once (one filling while one commits);
    ``max_batch`` caps a batch so one slow batch does not hold many callers.
    """

    session_factory: sessionmaker
    leaders: int = 1
    max_batch: int = 64
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _queue: list[_Waiting] = field(default_factory=list)
    _leading: int = 0
    _threads: ThreadPoolExecutor | None = None

    def submit(self, request: ApiPayment) -> dict | None:
        """Post ``request`` with whatever else is waiting; return its response body or
        ONE_BY_ONE. Blocks the calling thread until its batch has committed."""
        me = _Waiting(request)
        with self._cond:
            self._queue.append(me)
            while not me.done:
                if self._queue and self._leading < self.leaders:
                    self._leading += 1
                    try:
                        self._lead_one()
                    finally:
                        self._leading -= 1
                        self._cond.notify_all()
                else:
                    self._cond.wait()
            self._lead_in_thread_if_idle()  # what is left may be coroutines: they cannot lead
        return me.outcome

    async def submit_async(self, request: ApiPayment) -> dict | None:
        """:meth:`submit` for a coroutine (the endpoint): waits without holding a thread.

        A coroutine cannot lead: when a leader slot is free, a leader thread of the
        batcher's own starts and posts batches until none is waiting (:meth:`_drain`);
        otherwise a running leader takes the request with a later batch."""
        me = _Waiting(request, future=asyncio.get_running_loop().create_future())
        with self._cond:
            self._queue.append(me)
            self._lead_in_thread_if_idle()
        return await me.future

    def _lead_in_thread_if_idle(self) -> None:
        """Start a leader thread when requests wait and a leader slot is free. Called
        holding the lock."""
        if self._queue and self._leading < self.leaders:
            self._leading += 1
            if self._threads is None:
                self._threads = ThreadPoolExecutor(self.leaders, "repayment-batch")
            self._threads.submit(self._drain)

    def _drain(self) -> None:
        """Post batches until none is waiting, then give the leader slot back."""
        with self._cond:
            try:
                while self._queue:
                    self._lead_one()
                    self._cond.notify_all()
            finally:
                self._leading -= 1
                self._cond.notify_all()

    def _lead_one(self) -> None:
        """Take a batch off the queue and post it, without the lock while posting.
        Called holding the lock and a leader slot."""
        batch = self._queue[: self.max_batch]
        del self._queue[: self.max_batch]
        self._cond.release()
        try:
            self._run(batch)
        finally:
            self._cond.acquire()

    def _run(self, batch: list[_Waiting]) -> None:
        groups: dict[tuple[int, str], list[_Waiting]] = defaultdict(list)
        for w in batch:
            groups[(w.request.tenant_id, w.request.client)].append(w)
        for group in groups.values():
            outcomes = [ONE_BY_ONE] * len(group)
            try:
                with self.session_factory() as session:
                    outcomes = post_batch(session, [w.request for w in group])
                    session.commit()
            except Exception:  # the requests fall back to the one-by-one path
                log.exception("repayment batch of %d failed; posting one by one", len(group))
                outcomes = [ONE_BY_ONE] * len(group)
            _hand_out(group, outcomes)


_CREATE = threading.Lock()


def batcher_for(app) -> RepaymentBatcher | None:
    """The app's batcher, made on first use; None when the app has no session factory
    (tests bind one session: each request is then a batch of its own)."""
    batcher = getattr(app.state, "repayment_batcher", _UNSET)
    if batcher is _UNSET:
        with _CREATE:
            batcher = getattr(app.state, "repayment_batcher", _UNSET)
            if batcher is _UNSET:
                factory = app.state.session_factory
                batcher = RepaymentBatcher(factory) if factory is not None else None
                app.state.repayment_batcher = batcher
    return batcher


_UNSET = object()


async def post(
    request: Request,
    principal: Principal,
    fingerprint: str,
    payment: SinglePayment,
    body_json: dict[str, Any],
) -> JSONResponse:
    """Answer one repayment request: batched when possible, else one by one.

    The coroutine waits for its batch without holding a thread; a request the batch
    leaves (or every request, without a batcher) is posted in a thread of the pool, in a
    transaction of its own (:func:`hub.platform.http.deps.session_scope`). Raises what
    :func:`post_one` raises.

    ``app.state.repayment_batching = False`` switches batching off (every request one
    by one, as before the batcher existed; the benchmark compares the two).
    """
    app = request.app
    api = ApiPayment(
        principal.tenant_id,
        principal.username,
        request.headers.get(HEADER),
        fingerprint,
        payment,
        body_json,
        request_id_var.get(),
    )
    batch_of_one = False
    if getattr(app.state, "repayment_batching", True):
        batcher = batcher_for(app)
        if batcher is not None:
            body = await batcher.submit_async(api)
            if body is not None:
                return JSONResponse(body, status_code=201)
        else:
            batch_of_one = True  # no batcher (tests): the batch path, in the request's session
    return await run_in_threadpool(_in_own_transaction, app, api, batch_of_one)


def _in_own_transaction(app, api: ApiPayment, batch_first: bool) -> JSONResponse:
    ttl = timedelta(hours=app.state.settings.idempotency_ttl_hours)
    with session_scope(app) as session:
        if batch_first:
            body = post_batch(session, [api])[0]
            if body is not None:
                return JSONResponse(body, status_code=201)
        return post_one(session, api, ttl)


def post_one(session: Session, api: ApiPayment, ttl: timedelta) -> JSONResponse:
    """The one-by-one path: the idempotency guard, ``post_repayment``, the audit row and
    the stored response, in ``session``'s transaction. Raises what ``post_repayment`` and
    :func:`hub.platform.idempotency.begin` raise."""
    if api.key is not None:
        now = datetime.now(UTC)
        stored = begin(
            session, api.tenant_id, api.client, api.key, api.fingerprint, now=now, ttl=ttl
        )
        if stored is not None:
            headers = {"Idempotent-Replayed": "true"}
            return JSONResponse(stored.body, status_code=stored.status_code, headers=headers)
    p = api.payment
    body = RepaymentIn(p.amount, p.currency, Channel(p.channel), p.value_date, p.reference)
    rep = post_repayment(session, api.tenant_id, p.loan_id, body, api.client)
    after = {"repayment": rep.id, **api.body_json}
    audit_repository.append(
        session, api.tenant_id, api.client, "repayment.post", "loan", str(p.loan_id), None, after,
        api.request_id,
    )  # fmt: skip
    content = jsonable_encoder(
        {
            "id": rep.id,
            "loan_id": p.loan_id,
            "amount": f"{rep.amount:.2f}",
            "value_date": rep.value_date,
            "excess": f"{rep.excess:.2f}",
            "status": rep.status,
        }
    )
    if api.key is not None:
        remember(session, api.tenant_id, api.client, api.key, 201, content)
    return JSONResponse(content, status_code=201)


async def request_fingerprint(request: Request) -> str:
    """The request's idempotency fingerprint (see :func:`hub.platform.idempotency.request_hash`)."""
    return request_hash(request.method, request.url.path, await request.body())
