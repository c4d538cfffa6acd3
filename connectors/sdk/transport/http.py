"""HTTP counterparts: one httpx.Client per counterpart, pluggable auth, retries.

* :class:`HttpEndpoint` is the frozen per-counterpart config (base URL, timeouts, auth,
  mTLS, retry policy); :func:`build_client` turns it into an ``httpx.Client``.
* Auth strategies are small ``httpx.Auth`` classes: :class:`OAuth2ClientCredentials`
  (token cached until shortly before expiry, clock injected), :class:`ApiKeyAuth`,
  :class:`HmacRequestSigning`. mTLS is :class:`MtlsConfig` on the endpoint.
* :func:`request` maps transport failures and status codes onto RetriableError /
  FatalError through :func:`classify_http_response`; :func:`send_with_retries` retries
  only RetriableError with exponential backoff + jitter (tenacity), honouring the
  counterpart's Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import ssl
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import tenacity
from pydantic import SecretStr

from connectors.sdk.transport.errors import FatalError, RetriableError, classify_http_response

T = TypeVar("T")
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """Per-counterpart retry budget: attempts in total, backoff base and cap (seconds)."""

    max_attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 60.0
    max_retry_after_s: float = 300.0  # why: a peer asking for an hour is a dead letter
    seed: int | None = None  # jitter RNG seed, for deterministic tests


@dataclass(frozen=True)
class MtlsConfig:
    """Client certificate (and optional private CA) for mutual TLS."""

    cert_path: str
    key_path: str
    ca_path: str | None = None


class ApiKeyAuth(httpx.Auth):
    """Sends a static API key in a header (``X-API-Key`` unless told otherwise)."""

    def __init__(self, key: SecretStr, header: str = "X-API-Key") -> None:
        self._key = key
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers[self._header] = self._key.get_secret_value()
        yield request


class HmacRequestSigning(httpx.Auth):
    """Signs each request: hex HMAC-SHA256 over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nBODY``.

    Sends ``X-Key-Id``, ``X-Timestamp`` (Unix seconds from the injected clock) and
    ``X-Signature``; the partner recomputes and compares in constant time.
    """

    requires_request_body = True

    def __init__(self, key_id: str, secret: SecretStr, clock: Clock = time.time) -> None:
        self._key_id = key_id
        self._secret = secret
        self._clock = clock

    @staticmethod
    def signature(secret: bytes, method: str, path: str, timestamp: str, body: bytes) -> str:
        """Return the hex signature; exposed so sandboxes verify with the same code."""
        content = f"{method.upper()}\n{path}\n{timestamp}\n".encode() + body
        return hmac.new(secret, content, hashlib.sha256).hexdigest()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        stamp = str(int(self._clock()))
        path = request.url.raw_path.decode()
        secret = self._secret.get_secret_value().encode()
        request.headers["X-Key-Id"] = self._key_id
        request.headers["X-Timestamp"] = stamp
        request.headers["X-Signature"] = self.signature(
            secret, request.method, path, stamp, request.content
        )
        yield request


class OAuth2ClientCredentials(httpx.Auth):
    """OAuth2 client-credentials grant; the token is reused until ``expiry - skew``.

    A 401 on a call with a cached token drops the token and retries once with a new one
    (the partner may have revoked it early). Token endpoint errors raise through
    :func:`classify_http_response` (so a 401 there is FatalError).
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        scope: str | None = None,
        clock: Clock = time.time,
        skew_s: float = 30.0,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._scope = scope
        self._clock = clock
        self._skew = skew_s
        self._token: str | None = None
        self._expires_at = 0.0
        self.tokens_fetched = 0

    def _token_request(self) -> httpx.Request:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        if self._scope:
            form["scope"] = self._scope
        return httpx.Request("POST", self._token_url, data=form)

    def _store(self, response: httpx.Response) -> None:
        error = classify_http_response(
            response.status_code, response.headers, detail="token endpoint"
        )
        if error is not None:
            raise error
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 300)) - self._skew
        self.tokens_fetched += 1

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        fresh = False
        if self._token is None or self._clock() >= self._expires_at:
            self._store((yield self._token_request()))
            fresh = True
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            self._store((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request


@dataclass(frozen=True)
class HttpEndpoint:
    """One HTTP counterpart: where it is, how long to wait, how to authenticate."""

    name: str
    base_url: str
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    auth: httpx.Auth | None = field(default=None, repr=False)
    mtls: MtlsConfig | None = None
    retry: RetryPolicy = RetryPolicy()
    headers: tuple[tuple[str, str], ...] = ()


def _ssl_context(mtls: MtlsConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=mtls.ca_path)
    context.load_cert_chain(mtls.cert_path, mtls.key_path)
    return context


def build_client(endpoint: HttpEndpoint) -> httpx.Client:
    """Return an ``httpx.Client`` for the endpoint (caller closes it)."""
    timeout = httpx.Timeout(endpoint.read_timeout_s, connect=endpoint.connect_timeout_s)
    verify: ssl.SSLContext | bool = _ssl_context(endpoint.mtls) if endpoint.mtls else True
    return httpx.Client(
        base_url=endpoint.base_url,
        timeout=timeout,
        auth=endpoint.auth,
        verify=verify,
        headers=dict(endpoint.headers),
    )


def request(
    client: httpx.Client, method: str, url: str, *, counterpart: str | None = None, **kwargs
) -> httpx.Response:
    """Send one request; return the response if 1xx-3xx.

    Raises RetriableError for timeouts, connection failures, 408 / 429 / 5xx and
    FatalError for any other 4xx.
    """
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise RetriableError(f"timeout: {exc!r}", counterpart=counterpart) from exc
    except httpx.TransportError as exc:
        raise RetriableError(f"transport: {exc!r}", counterpart=counterpart) from exc
    error = classify_http_response(
        response.status_code,
        response.headers,
        counterpart=counterpart,
        detail=response.text[:200],
    )
    if error is not None:
        raise error
    return response


def backoff_wait(
    policy: RetryPolicy, rng: random.Random
) -> Callable[[tenacity.RetryCallState], float]:
    """Return a tenacity wait: the peer's Retry-After if given, else capped exponential
    backoff with "equal jitter" (half fixed, half random) so retries spread out."""

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            return min(exc.retry_after, policy.max_retry_after_s)
        ceiling = min(policy.cap_s, policy.base_s * 2 ** (state.attempt_number - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    return wait


def send_with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Return ``call()``, retrying RetriableError per ``policy``; FatalError is not retried.

    After the last attempt the last RetriableError is raised unchanged (the caller
    dead-letters it). ``on_retry(attempt, error, wait_s)`` lets callers log or count.
    """
    rng = random.Random(policy.seed)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry and state.outcome and state.next_action:
            on_retry(state.attempt_number, state.outcome.exception(), state.next_action.sleep)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_attempts),
        wait=backoff_wait(policy, rng),
        retry=tenacity.retry_if_exception_type(RetriableError),
        sleep=sleep,
        reraise=True,
        before_sleep=before_sleep,
    )
    return retrying(call)


__all__ = [
    "ApiKeyAuth",
    "FatalError",
    "HmacRequestSigning",
    "HttpEndpoint",
    "MtlsConfig",
    "OAuth2ClientCredentials",
    "RetriableError",
    "RetryPolicy",
    "backoff_wait",
    "build_client",
    "request",
    "send_with_retries",
]
