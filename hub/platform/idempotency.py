"""``Idempotency-Key`` on our write APIs (specs/webhooks.md), for any endpoint.

Semantics: the key (up to 255 chars) is scoped per client (tenant + user name). The
first request's status and body are stored; a retry with the same key and body gets the
stored response back (header ``Idempotent-Replayed: true``); the same key with a
different body is 422; a retry while the first request is still in flight is 409. Keys
live ``settings.idempotency_ttl_hours``; an older key counts as new.

How: the key row is inserted in the *request's own transaction*, so the reservation,
the business write and the stored response commit together, and a request that fails
leaves no key behind (the client may simply retry). A concurrent retry's insert waits
on the first request's uncommitted row; a short ``lock_timeout`` turns that wait into
409 instead of a queue. Only successful responses are stored: an error rolls back.

Use in an endpoint::

    @router.post("/things", status_code=201)
    def create(body: ThingIn,
               guard: IdempotencyGuard = Depends(idempotency_guard(Permission.X)),
               session: Session = Depends(get_session, scope="function")):
        if guard.replay is not None:
            return guard.replay
        ...
        return guard.respond(201, {"id": thing.id})
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, Unprocessable
from hub.platform.http.deps import get_session, require
from lms_core.persistence.platform import idempotency_repository

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_FLIGHT_WAIT = "200ms"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


def request_hash(method: str, path: str, body: bytes) -> str:
    """Return the fingerprint a retry must match: method, path and exact body bytes."""
    return hashlib.sha256(f"{method.upper()} {path}\n".encode() + body).hexdigest()


def begin(
    session: Session,
    tenant_id: int,
    client: str,
    key: str,
    fingerprint: str,
    *,
    now: datetime,
    ttl: timedelta,
) -> StoredResponse | None:
    """Reserve ``key`` in the session's transaction; return the stored response to
    replay, or None when this request is the first and should run.

    Raises Unprocessable (key too long, or reused with a different request) and
    Conflict (the first request with this key is still in flight).
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
    if _reserve(session, tenant_id, client, key, fingerprint):
        return None
    record = idempotency_repository.get(session, tenant_id, client, key)
    if record.created_at < now - ttl:
        idempotency_repository.release(session, tenant_id, client, key)
        _reserve(session, tenant_id, client, key, fingerprint)
        return None
    if record.request_hash != fingerprint:
        raise Unprocessable(f"{HEADER} {key!r} was used for a different request")
    if record.status_code is None:
        raise Conflict(f"the request with {HEADER} {key!r} has not completed")
    return StoredResponse(int(record.status_code), record.response_body)


def _reserve(session: Session, tenant_id: int, client: str, key: str, fingerprint: str) -> bool:
    savepoint = session.begin_nested()
    try:
        idempotency_repository.set_lock_timeout(session, IN_FLIGHT_WAIT)
        reserved = idempotency_repository.reserve(session, tenant_id, client, key, fingerprint)
    except OperationalError:
        savepoint.rollback()  # also undoes the SET LOCAL
        raise Conflict(f"a request with {HEADER} {key!r} is in flight; retry later") from None
    savepoint.commit()
    idempotency_repository.set_lock_timeout(session, None)
    return reserved


def remember(
    session: Session, tenant_id: int, client: str, key: str, status_code: int, body: Any
) -> None:
    """Store the response of the request that reserved ``key`` (same transaction)."""
    idempotency_repository.complete(session, tenant_id, client, key, status_code, body)


@dataclass
class IdempotencyGuard:
    """Per-request handle: ``replay`` is the stored response, if this is a retry."""

    session: Session
    principal: Principal
    key: str | None
    replay: JSONResponse | None = None

    def respond(self, status_code: int, body: Any) -> JSONResponse:
        """Return ``body`` as the response, storing it first when a key was given."""
        content = jsonable_encoder(body)
        if self.key:
            remember(
                self.session,
                self.principal.tenant_id,
                self.principal.username,
                self.key,
                status_code,
                content,
            )
        return JSONResponse(content, status_code=status_code)


async def _fingerprint(request: Request) -> str:
    return request_hash(request.method, request.url.path, await request.body())


def idempotency_guard(permission: str) -> Callable[..., IdempotencyGuard]:
    """Return a dependency that checks ``permission`` and handles ``Idempotency-Key``."""

    def dependency(
        request: Request,
        principal: Principal = Depends(require(permission)),
        session: Session = Depends(get_session, scope="function"),
        fingerprint: str = Depends(_fingerprint),
    ) -> IdempotencyGuard:
        key = request.headers.get(HEADER)
        guard = IdempotencyGuard(session, principal, key)
        if key is None:
            return guard
        ttl = timedelta(hours=request.app.state.settings.idempotency_ttl_hours)
        stored = begin(
            session,
            principal.tenant_id,
            principal.username,
            key,
            fingerprint,
            now=datetime.now(UTC),
            ttl=ttl,
        )
        if stored is not None:
            guard.replay = JSONResponse(
                stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
            )
        return guard

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def expire_old(session: Session, now: datetime, ttl: timedelta) -> int:
    """Delete keys older than ``ttl``; return how many (run daily by a job)."""
    return idempotency_repository.expire(session, now - ttl)
