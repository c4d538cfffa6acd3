"""Idempotency-Key on a write endpoint, per specs/webhooks.md."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from hub.platform import idempotency
from hub.platform.auth.permissions import Permission
from hub.platform.errors import Conflict
from hub.platform.idempotency import IdempotencyGuard, idempotency_guard
from tests.support.clock import T0
from tests.support.factories import auth_header

router = APIRouter()
_ids = itertools.count(1)


@router.post("/test/payments", status_code=201)
def pay(
    body: dict, guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST))
):
    if guard.replay is not None:
        return guard.replay
    return guard.respond(201, {"payment": next(_ids), "amount": body["amount"]})


@pytest.fixture
def api(app):
    app.include_router(router, prefix="/api/v1")
    with TestClient(app) as c:
        yield c


def pay_with(api, headers, key, amount="100.00"):
    return api.post(
        "/api/v1/test/payments",
        json={"amount": amount},
        headers={**headers, "Idempotency-Key": key},
    )


def test_a_retry_with_the_same_key_and_body_replays_the_first_response(api, tenant, admin):
    headers = auth_header(admin, tenant)
    first = pay_with(api, headers, "k-1")
    again = pay_with(api, headers, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert pay_with(api, headers, "k-2").json()["payment"] == first.json()["payment"] + 1


def test_the_same_key_with_a_different_body_is_422(api, tenant, admin):
    headers = auth_header(admin, tenant)
    pay_with(api, headers, "k-1")
    response = pay_with(api, headers, "k-1", amount="999.00")
    assert response.status_code == 422
    assert response.json()["detail"] == "Idempotency-Key 'k-1' was used for a different request"


def test_keys_are_scoped_per_client(api, db, tenant, admin):
    from tests.support.factories import make_user

    other = make_user(db, tenant)
    a = pay_with(api, auth_header(admin, tenant), "shared").json()
    b = pay_with(api, auth_header(other, tenant), "shared").json()
    assert a["payment"] != b["payment"]


def test_a_key_over_255_characters_is_422(api, tenant, admin):
    assert pay_with(api, auth_header(admin, tenant), "k" * 256).status_code == 422


def test_without_a_key_every_request_runs(api, tenant, admin):
    headers = auth_header(admin, tenant)
    one = api.post("/api/v1/test/payments", json={"amount": "1"}, headers=headers).json()
    two = api.post("/api/v1/test/payments", json={"amount": "1"}, headers=headers).json()
    assert one["payment"] != two["payment"]


TTL = timedelta(hours=24)


def test_in_flight_is_409_then_the_stored_response_is_replayed(committed):
    t, fp = committed.tenant_id, idempotency.request_hash("POST", "/x", b"{}")
    with committed.factory() as first, committed.factory() as retry:
        assert idempotency.begin(first, t, "c", "k", fp, now=T0, ttl=TTL) is None
        with pytest.raises(Conflict, match="is in flight"):
            idempotency.begin(retry, t, "c", "k", fp, now=T0, ttl=TTL)
        retry.rollback()
        idempotency.remember(first, t, "c", "k", 201, {"id": 7})
        first.commit()
        stored = idempotency.begin(retry, t, "c", "k", fp, now=T0, ttl=TTL)
        assert (stored.status_code, stored.body) == (201, {"id": 7})


def test_a_failed_first_request_leaves_no_key(committed):
    t, fp = committed.tenant_id, idempotency.request_hash("POST", "/x", b"{}")
    with committed.factory() as first:
        idempotency.begin(first, t, "c", "k", fp, now=T0, ttl=TTL)
        first.rollback()  # the business write failed
    with committed.factory() as retry:
        assert idempotency.begin(retry, t, "c", "k", fp, now=T0, ttl=TTL) is None


def test_a_key_older_than_the_ttl_counts_as_new(db, tenant):
    fp = idempotency.request_hash("POST", "/x", b"{}")
    idempotency.begin(db, tenant.id, "c", "k", fp, now=T0, ttl=TTL)
    idempotency.remember(db, tenant.id, "c", "k", 201, {"id": 1})
    from datetime import UTC, datetime

    later = datetime.now(UTC) + timedelta(hours=25)
    other = idempotency.request_hash("POST", "/x", b'{"a":1}')
    assert idempotency.begin(db, tenant.id, "c", "k", other, now=later, ttl=TTL) is None
    from lms_core.persistence.platform import idempotency_repository

    record = idempotency_repository.get(db, tenant.id, "c", "k")
    assert (record.request_hash, record.status_code) == (other, None)
