"""Benchmark: outbound deliveries per second to a loopback HTTP sandbox.

Enqueues N signed webhook messages for one counterpart, then runs delivery workers
until all are delivered: ``WORKERS`` worker *processes* (as production runs N ``sangam
worker`` processes), each claiming batches of 100 with SKIP LOCKED and sending 16 at a
time over one pooled httpx client. The partner is a FastAPI app served by uvicorn
(connectors.sdk.sandbox.http_app.SandboxServer) answering 200, in its own process so it does not
share our GIL. Runs on a throwaway database ``sangam_bench_hub_out``.

Run: ``.venv/bin/python bench/bench_outbound.py [messages] [workers]``. Prints deliveries/s.
"""

from __future__ import annotations

import multiprocessing
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from fastapi import FastAPI, Response  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from connectors.sdk.sandbox.http_app import SandboxServer  # noqa: E402
from connectors.sdk.transport.webhook_signing import generate_secret  # noqa: E402
from hub.integration import counterparts as cp  # noqa: E402
from hub.integration.outbox import service as outbox  # noqa: E402
from hub.integration.outbox.service import DeliveryChannel  # noqa: E402
from hub.integration.outbox.worker import DeliveryWorker  # noqa: E402
from lms_core.persistence.integration.models import OutboundMessage  # noqa: E402
from lms_core.persistence.platform import tenant_repository  # noqa: E402
from tests.support.db import fresh_database  # noqa: E402


def partner() -> FastAPI:
    app = FastAPI()

    @app.post("/events")
    async def take() -> Response:
        return Response(status_code=200)

    return app


def serve_partner(port_out, stop) -> None:
    """Child process: serve the partner app, publish its port, run until told to stop."""
    with SandboxServer(partner()) as server:
        port_out.put(server.base_url)
        stop.wait()


def deliver(url: str, key: str, name: str) -> None:
    """Child process: one delivery worker on its own engine, until nothing is due."""
    engine = create_engine(url, pool_size=4)
    factory = sessionmaker(engine, expire_on_commit=False)
    worker = DeliveryWorker(
        factory,
        cp.Cipher(key),
        name,
        lambda: datetime.now(UTC),
        rng=random.Random(name),
        batch=100,
        concurrency=16,
    )
    try:
        worker.run_until_idle()
    finally:
        worker.close()
        engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    url = fresh_database("sangam_bench_hub_out")
    engine = create_engine(url, pool_size=4)
    factory = sessionmaker(engine, expire_on_commit=False)
    key = Fernet.generate_key().decode()
    cipher = cp.Cipher(key)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    ctx = multiprocessing.get_context("spawn")
    port_out, stop = ctx.Queue(), ctx.Event()
    sandbox = ctx.Process(target=serve_partner, args=(port_out, stop), daemon=True)
    sandbox.start()
    base_url = port_out.get(timeout=30)
    with factory() as s:
        tenant = tenant_repository.create_tenant(s, "bench", "Bench", date(2024, 4, 5))
        bank = cp.register(
            s,
            cipher,
            tenant.id,
            "bank",
            kind="partner_bank",
            connector="http_post",
            config={"base_url": base_url, "max_connections": 64},
            secrets={"webhook_secret": generate_secret()},
        )
        for n in range(count):
            outbox.enqueue(
                s,
                bank,
                event_type="loan.booked",
                body={"loan": n},
                channel=DeliveryChannel.WEBHOOK,
                target="/events",
                now=clock(),
            )
        s.commit()
    runners = [ctx.Process(target=deliver, args=(url, key, f"w{n}")) for n in range(procs)]
    started = time.perf_counter()
    for p in runners:
        p.start()
    for p in runners:
        p.join()
    elapsed = time.perf_counter() - started
    with factory() as s:
        delivered = s.scalar(select(func.count()).where(OutboundMessage.status == "delivered"))
    stop.set()
    sandbox.join(timeout=10)
    print(
        f"outbound: {delivered:,} of {count:,} delivered with {procs} worker processes in "
        f"{elapsed:.2f} s (incl. process start): {delivered / elapsed:,.0f} deliveries/s"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
