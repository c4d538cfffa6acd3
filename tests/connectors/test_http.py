"""HTTP transport against a real FastAPI sandbox on loopback: retries, auth, webhooks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI, Form, Request, Response
from pydantic import SecretStr

from connectors.sdk.sandbox.http_app import (
    Fault,
    FaultInjector,
    FaultKind,
    SandboxServer,
    send_signed_webhook,
)
from connectors.sdk.transport.errors import FatalError, RetriableError, classify_http_response
from connectors.sdk.transport.http import (
    ApiKeyAuth,
    HmacRequestSigning,
    HttpEndpoint,
    OAuth2ClientCredentials,
    RetryPolicy,
    build_client,
    request,
    send_with_retries,
)
from connectors.sdk.transport.webhook_signing import WebhookVerificationError, verify

API_KEY = "k-123"
HMAC_SECRET = b"partner-hmac-secret"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_712_300_000
FAST = RetryPolicy(max_attempts=4, base_s=0.01, cap_s=0.05, seed=1)


def partner_app() -> FastAPI:
    app = FastAPI()
    app.state.tokens = []
    app.state.webhooks = []

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    @app.post("/oauth/token", response_model=None)
    def token(client_id: str = Form(), client_secret: str = Form()) -> Response | dict:
        if (client_id, client_secret) != ("sangam", "cs-1"):
            return Response(status_code=401)
        app.state.tokens.append(f"tok-{len(app.state.tokens) + 1}")
        return {"access_token": app.state.tokens[-1], "expires_in": 60}

    @app.get("/loans/{loan_id}", response_model=None)
    def loan(loan_id: str, request: Request) -> Response | dict:
        bearer = request.headers.get("authorization", "")
        key = request.headers.get("x-api-key")
        if key != API_KEY and bearer.removeprefix("Bearer ") not in app.state.tokens:
            return Response(status_code=401)
        return {"loan_id": loan_id, "status": "booked"}

    @app.post("/bookings", response_model=None)
    async def bookings(request: Request) -> Response | dict:
        expected = HmacRequestSigning.signature(
            HMAC_SECRET,
            request.method,
            request.url.path,
            request.headers["x-timestamp"],
            await request.body(),
        )
        if request.headers.get("x-signature") != expected:
            return Response(status_code=401)
        return {"ack": "accepted", "timestamp": request.headers["x-timestamp"]}

    @app.post("/webhooks")
    async def webhooks(request: Request) -> Response:
        try:
            msg_id = verify(WEBHOOK_SECRET, request.headers, await request.body(), now=NOW)
        except WebhookVerificationError:
            return Response(status_code=401)
        app.state.webhooks.append(msg_id)
        return Response(status_code=202)

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    app = partner_app()
    with SandboxServer(FaultInjector(app)) as running:
        running.partner = app  # type: ignore[attr-defined]
        yield running


@pytest.fixture
def faults(server: SandboxServer) -> Iterator[FaultInjector]:
    injector: FaultInjector = server.app  # type: ignore[assignment]
    injector.clear()
    injector.requests_seen = 0
    yield injector
    injector.clear()


def client_for(server: SandboxServer, **kwargs) -> httpx.Client:
    return build_client(HttpEndpoint("partner_bank", server.base_url, **kwargs))


def test_retries_500_then_succeeds(server: SandboxServer, faults: FaultInjector) -> None:
    faults.fail_next(2, status=500)
    waits: list[float] = []
    with client_for(server) as client:
        response = send_with_retries(
            lambda: request(client, "GET", "/health"),
            FAST,
            on_retry=lambda attempt, exc, wait: waits.append(wait),
        )
    assert response.json() == {"ok": True}
    assert faults.requests_seen == 3
    assert 0.005 <= waits[0] <= 0.01 and 0.01 <= waits[1] <= 0.02  # backoff doubles


def test_gives_up_after_max_attempts_with_the_last_error(
    server: SandboxServer, faults: FaultInjector
) -> None:
    faults.fail_next(10, status=503)
    with client_for(server) as client, pytest.raises(RetriableError) as caught:
        send_with_retries(lambda: request(client, "GET", "/health"), FAST)
    assert caught.value.status == 503
    assert faults.requests_seen == 4


def test_429_retry_after_is_honoured(server: SandboxServer, faults: FaultInjector) -> None:
    faults.throttle_next(1, retry_after_s=1)
    waits: list[float] = []
    started = time.monotonic()
    with client_for(server) as client:
        response = send_with_retries(
            lambda: request(client, "GET", "/health"),
            FAST,
            on_retry=lambda attempt, exc, wait: waits.append(wait),
        )
    assert response.status_code == 200
    assert waits == [1.0]
    assert time.monotonic() - started >= 1.0


def test_401_is_fatal_and_not_retried(server: SandboxServer, faults: FaultInjector) -> None:
    auth = ApiKeyAuth(SecretStr("wrong"))
    with client_for(server, auth=auth) as client, pytest.raises(FatalError) as caught:
        send_with_retries(lambda: request(client, "GET", "/loans/L1"), FAST)
    assert caught.value.status == 401
    assert faults.requests_seen == 1


def test_api_key_accepted(server: SandboxServer, faults: FaultInjector) -> None:
    with client_for(server, auth=ApiKeyAuth(SecretStr(API_KEY))) as client:
        assert request(client, "GET", "/loans/L1").json() == {"loan_id": "L1", "status": "booked"}


def test_timeout_is_retriable(server: SandboxServer, faults: FaultInjector) -> None:
    # Margins wide enough that the retried (undelayed) call never times out on a busy machine.
    faults.delay_next(1, 2.5)
    errors: list[BaseException] = []
    with client_for(server, read_timeout_s=1.0) as client:
        response = send_with_retries(
            lambda: request(client, "GET", "/health"),
            FAST,
            on_retry=lambda attempt, exc, wait: errors.append(exc),
        )
    assert response.status_code == 200
    assert len(errors) == 1 and isinstance(errors[0], RetriableError)
    assert "timeout" in str(errors[0])


def test_connection_refused_is_retriable() -> None:
    client = httpx.Client(base_url="http://127.0.0.1:1", timeout=1.0)
    with client, pytest.raises(RetriableError, match="transport"):
        request(client, "GET", "/health")


def test_oauth2_token_is_cached_until_expiry(server: SandboxServer, faults: FaultInjector) -> None:
    clock = [1000.0]
    auth = OAuth2ClientCredentials(
        f"{server.base_url}/oauth/token", "sangam", SecretStr("cs-1"), clock=lambda: clock[0]
    )
    with client_for(server, auth=auth) as client:
        request(client, "GET", "/loans/L1")
        request(client, "GET", "/loans/L2")
        assert auth.tokens_fetched == 1
        clock[0] += 31  # 60 s lifetime minus 30 s skew: now due for renewal
        assert request(client, "GET", "/loans/L3").json()["loan_id"] == "L3"
    assert auth.tokens_fetched == 2
    assert faults.requests_seen == 5  # 2 token calls + 3 API calls


def test_oauth2_bad_client_secret_is_fatal(server: SandboxServer, faults: FaultInjector) -> None:
    auth = OAuth2ClientCredentials(f"{server.base_url}/oauth/token", "sangam", SecretStr("no"))
    with client_for(server, auth=auth) as client, pytest.raises(FatalError, match="HTTP 401"):
        send_with_retries(lambda: request(client, "GET", "/loans/L1"), FAST)


def test_hmac_signed_request_is_verified_by_the_partner(
    server: SandboxServer, faults: FaultInjector
) -> None:
    auth = HmacRequestSigning("sangam-key-1", SecretStr(HMAC_SECRET.decode()), clock=lambda: NOW)
    with client_for(server, auth=auth) as client:
        response = request(client, "POST", "/bookings", json={"loan_id": "L1"})
    assert response.json() == {"ack": "accepted", "timestamp": str(NOW)}


def test_signed_webhook_from_sandbox_is_verified(
    server: SandboxServer, faults: FaultInjector
) -> None:
    url = f"{server.base_url}/webhooks"
    ok = send_signed_webhook(
        url,
        {"event": "booking.ack", "loan_id": "L1"},
        WEBHOOK_SECRET,
        msg_id="msg_001",
        timestamp=NOW,
    )
    stale = send_signed_webhook(
        url, {"event": "booking.ack"}, WEBHOOK_SECRET, msg_id="msg_002", timestamp=NOW - 3600
    )
    assert (ok.status_code, stale.status_code) == (202, 401)
    assert server.partner.state.webhooks == ["msg_001"]  # type: ignore[attr-defined]


def test_fault_rate_is_reproducible_with_a_seed(
    server: SandboxServer, faults: FaultInjector
) -> None:
    faults.at_rate(0.3, Fault(FaultKind.ERROR, status=502), seed=42)
    with httpx.Client(base_url=server.base_url, timeout=5.0) as client:
        statuses = [client.get("/health").status_code for _ in range(10)]
    assert statuses == [200, 502, 502, 502, 200, 200, 200, 502, 200, 502]


@pytest.mark.parametrize(
    ("status", "headers", "kind", "retry_after"),
    [
        (200, {}, None, None),
        (302, {}, None, None),
        (400, {}, FatalError, None),
        (401, {}, FatalError, None),
        (404, {}, FatalError, None),
        (408, {}, RetriableError, None),
        (429, {"Retry-After": "7"}, RetriableError, 7.0),
        (429, {"retry-after": "Fri, 05 Apr 2024 10:00:30 GMT"}, RetriableError, 30.0),
        (500, {}, RetriableError, None),
        (503, {"Retry-After": "2"}, RetriableError, 2.0),
    ],
)
def test_classify_http_response(status, headers, kind, retry_after) -> None:
    now = datetime(2024, 4, 5, 10, 0, 0, tzinfo=UTC)
    error = classify_http_response(status, headers, counterpart="pb", now=now)
    if kind is None:
        assert error is None
        return
    assert type(error) is kind
    assert error.status == status
    assert getattr(error, "retry_after", None) == retry_after
