"""Benchmark: outbound deliveries per second to a loopback HTTP sandbox.

Enqueues N signed webhook messages for one counterpart, then runs delivery workers
(``THREADS`` workers, each claiming batches of 100 with SKIP LOCKED and sending 16 at a
time over one pooled httpx client) until all are delivered. The partner is a FastAPI app
served by uvicorn (hub.sandbox.http_app.SandboxServer) answering 200.
Runs on a throwaway database ``sangam_bench_hub_out``.

Run: ``.venv/bin/python bench/bench_outbound.py [messages] [threads]``. Prints deliveries/s.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from fastapi import FastAPI, Response  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from hub.connectors import counterparts as cp  # noqa: E402
from hub.outbox import service as outbox  # noqa: E402
from hub.outbox.service import DeliveryChannel  # noqa: E402
from hub.outbox.worker import DeliveryWorker  # noqa: E402
from hub.sandbox.http_app import SandboxServer  # noqa: E402
from hub.transport.webhook_signing import generate_secret  # noqa: E402
from lms_core.persistence import tenant_repository  # noqa: E402
from lms_core.persistence.hub_models import OutboundMessage  # noqa: E402
from tests.db import fresh_database  # noqa: E402


def partner() -> FastAPI:
    app = FastAPI()

    @app.post("/events")
    async def take() -> Response:
        return Response(status_code=200)

    return app


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    engine = create_engine(fresh_database("sangam_bench_hub_out"), pool_size=threads + 2)
    factory = sessionmaker(engine, expire_on_commit=False)
    cipher = cp.Cipher(Fernet.generate_key().decode())
    clock = lambda: datetime.now(UTC)  # noqa: E731
    with SandboxServer(partner()) as server, factory() as s:
        tenant = tenant_repository.create_tenant(s, "bench", "Bench", date(2024, 4, 5))
        bank = cp.register(
            s,
            cipher,
            tenant.id,
            "bank",
            kind="partner_bank",
            connector="http_post",
            config={"base_url": server.base_url, "max_connections": 64},
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
        started = time.perf_counter()
        workers = [
            DeliveryWorker(
                factory, cipher, f"w{n}", clock, rng=random.Random(n), batch=100, concurrency=16
            )
            for n in range(threads)
        ]
        runners = [threading.Thread(target=w.run_until_idle) for w in workers]
        for t in runners:
            t.start()
        for t in runners:
            t.join()
        elapsed = time.perf_counter() - started
        delivered = s.scalar(select(func.count()).where(OutboundMessage.status == "delivered"))
        for w in workers:
            w.close()
    print(
        f"outbound: {delivered:,} of {count:,} delivered with {threads} workers in "
        f"{elapsed:.2f} s: {delivered / elapsed:,.0f} deliveries/s"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
