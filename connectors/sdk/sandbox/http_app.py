"""A base for counterpart simulators: real FastAPI apps served by uvicorn on loopback.

:class:`SandboxServer` runs any ASGI app in a background thread on 127.0.0.1 with a free
port (``base_url`` after start). Partner-bank, PSP, ERP and e-sign sandboxes are small
FastAPI apps built on it. :class:`FaultInjector` is ASGI middleware that makes the next K
requests (or a seeded random share of them) fail with 500, 429 + Retry-After, or arrive
late, so retry paths are tested against a real socket. :func:`send_signed_webhook` lets a
sandbox call back into the hub the way a partner would, with Standard Webhooks headers.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import anyio
import httpx
import uvicorn

from connectors.sdk.transport.webhook_signing import signed_headers

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class FaultKind(StrEnum):
    ERROR = "error"  # respond with ``status`` (500, 503 ...) without calling the app
    THROTTLE = "throttle"  # respond 429 with Retry-After
    DELAY = "delay"  # sleep, then call the app (to trip client timeouts)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 500
    retry_after_s: int | None = None
    delay_s: float = 0.0


class FaultInjector:
    """ASGI middleware holding a queue of faults for the next requests, plus a rate.

    Wrap before starting: ``injector = FaultInjector(app); SandboxServer(injector)``.
    ``requests_seen`` counts every HTTP request that reached the middleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self._rate = 0.0
        self._rate_fault: Fault | None = None
        self._rng = random.Random(0)
        self.requests_seen = 0

    def fail_next(self, count: int, status: int = 500) -> None:
        self._push(count, Fault(FaultKind.ERROR, status=status))

    def throttle_next(self, count: int, retry_after_s: int = 1) -> None:
        self._push(count, Fault(FaultKind.THROTTLE, status=429, retry_after_s=retry_after_s))

    def delay_next(self, count: int, seconds: float) -> None:
        self._push(count, Fault(FaultKind.DELAY, delay_s=seconds))

    def at_rate(self, rate: float, fault: Fault, seed: int = 0) -> None:
        """Apply ``fault`` to a share ``rate`` of requests, drawn from a seeded RNG."""
        with self._lock:
            self._rate, self._rate_fault, self._rng = rate, fault, random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rate, self._rate_fault = 0.0, None

    def _push(self, count: int, fault: Fault) -> None:
        with self._lock:
            self._queue.extend([fault] * count)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.requests_seen += 1
            if self._queue:
                return self._queue.popleft()
            if self._rate_fault is not None and self._rng.random() < self._rate:
                return self._rate_fault
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self._next_fault() if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind is FaultKind.DELAY:
            await anyio.sleep(fault.delay_s)
            await self.app(scope, receive, send)
        else:
            await _respond(send, fault)


async def _respond(send: Send, fault: Fault) -> None:
    body = json.dumps({"error": "injected fault", "status": fault.status}).encode()
    headers = [(b"content-type", b"application/json")]
    if fault.retry_after_s is not None:
        headers.append((b"retry-after", str(fault.retry_after_s).encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SandboxServer:
    """Serve an ASGI app on 127.0.0.1:<free port> from a daemon thread.

    ``with SandboxServer(app) as server: httpx.get(server.base_url + "/health")``.
    """

    def __init__(self, app: ASGIApp, *, log_level: str = "warning") -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level=log_level, lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> SandboxServer:
        """Start serving; return once uvicorn accepts connections."""
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name=f"sandbox-http-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"sandbox on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit, wait for the thread, release the socket."""
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def send_signed_webhook(
    url: str,
    payload: dict[str, Any] | bytes,
    secrets: str | Sequence[str],
    *,
    msg_id: str,
    timestamp: int,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST ``payload`` to ``url`` with Standard Webhooks headers; return the response.

    ``timestamp`` is passed in (Unix seconds) so simulations are reproducible.
    """
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = signed_headers(secrets, msg_id, timestamp, body)
    headers["content-type"] = "application/json"
    if client is not None:
        return client.post(url, content=body, headers=headers)
    with httpx.Client(timeout=10.0) as own:
        return own.post(url, content=body, headers=headers)
