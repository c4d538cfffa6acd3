"""Benchmark: repayments through the real HTTP API (uvicorn on loopback, loader alongside).

N loans due today are generated set-wise (:func:`bench.bench_bulk_posting.setup`); the
API is served by uvicorn (one process, ``--servers`` for more, each on its own port)
on 127.0.0.1, as ``sangam serve`` runs it (uvloop, httptools, no access log); an asyncio
loader (httpx, ``--concurrency`` requests in flight) posts
``POST /api/v1/loans/{id}/repayments`` with a fresh ``Idempotency-Key`` each, one
payment per loan, for ``--seconds``. The loader runs on the same machine and shares its
cores with the server and PostgreSQL.

Run: ``.venv/bin/python bench/bench_repayment_api.py [N] [--seconds 30] [--concurrency 16]
[--servers 1] [--no-batch]``. Prints payments/s, p50 / p99 latency and, because wall
clock means little on a shared machine, the cost per payment: SQL statements (counted in
the servers), CPU of the server processes and CPU of their PostgreSQL backends (from
``/proc``; Linux only), and the loader's own CPU (it competes for the same cores).
``--no-batch`` serves with the group-commit batcher off (every request on the one-by-one
path, as before it existed).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench import cpu  # noqa: E402
from bench.bench_bulk_posting import DB, EMI, setup  # noqa: E402
from tests.support.factories import TEST_SECRET, make_user, token_for  # noqa: E402

BASE_PORT = 8790


def serve(url: str, port: int, statements, batch: bool) -> None:
    import uvicorn
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import sessionmaker

    from hub.app.api import create_app
    from hub.platform.config import load_settings

    settings = load_settings(jwt_secret=TEST_SECRET, environment="test", log_json=False)
    engine = create_engine(url, pool_size=20, max_overflow=10)

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args) -> None:
        with statements.get_lock():
            statements.value += 1

    from lms_core.persistence.loans import bulk_repayment_repository as repo

    copy_rows = repo.copy_rows

    def counted_copy(*args, **kwargs):  # COPY bypasses the engine's events
        count()
        return copy_rows(*args, **kwargs)

    repo.copy_rows = counted_copy
    app = create_app(settings, sessionmaker(engine, expire_on_commit=False))
    if not batch:
        app.state.repayment_batcher = None
    # as `sangam serve` runs it: uvloop, httptools, no access log (docs/CONFIGURATION.md)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        backlog=2048,
    )


async def load(ports, token, loan_ids, seconds: float, concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue = iter(loan_ids)
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(n: int) -> None:
        port = ports[n % len(ports)]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while time.perf_counter() < deadline:
                loan_id = next(queue, None)
                if loan_id is None:
                    return
                started = time.perf_counter()
                r = await client.post(
                    f"/api/v1/loans/{loan_id}/repayments",
                    json={"amount": str(EMI), "channel": "upi"},
                    headers={**headers, "Idempotency-Key": f"bench-{loan_id}"},
                )
                if r.status_code != 201:
                    raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
                latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--servers", type=int, default=1)
    ap.add_argument("--no-batch", action="store_true", help="serve without the batcher")
    args = ap.parse_args()
    factory, tenant_id, loans = setup(args.n)
    with factory() as s:
        from lms_core.persistence.platform.models import Tenant

        user = make_user(s, s.get(Tenant, tenant_id))
        token = token_for(user, s.get(Tenant, tenant_id))
        s.commit()
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    ports = [BASE_PORT + i for i in range(args.servers)]
    statements = multiprocessing.Value("q", 0)
    procs = [
        multiprocessing.Process(
            target=serve, args=(url, p, statements, not args.no_batch), daemon=True
        )
        for p in ports
    ]
    for p in procs:
        p.start()
    for port in ports:
        _wait_ready(port)
    # Warm up (connections, imports) before counting: one payment per server.
    warm, loan_ids = (
        [lid for lid, _ in loans[: len(ports)]],
        [lid for lid, _ in loans[len(ports) :]],
    )
    asyncio.run(load(ports, token, warm, 30, len(ports)))
    statements.value = 0
    cpu_before = cpu.seconds(p.pid for p in procs), cpu.seconds(_backends(factory))
    loader_before = time.process_time()
    started = time.perf_counter()
    lat = asyncio.run(load(ports, token, loan_ids, args.seconds, args.concurrency))
    took = time.perf_counter() - started
    server_cpu, pg_cpu = cpu.seconds(p.pid for p in procs), cpu.seconds(_backends(factory))
    loader_cpu = time.process_time() - loader_before
    for p in procs:
        p.terminate()
    for p in procs:
        p.join(timeout=30)
    lat.sort()
    n = len(lat)
    p50, p99 = statistics.median(lat), lat[int(n * 0.99) - 1]
    mode = "batched" if not args.no_batch else "one by one"
    print(f"{n:,} payments in {took:.1f} s => {n / took:,.0f} payments/s")
    print(f"latency p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms ({DB}, {args.servers} server)")
    print(
        f"per payment ({mode}): {statements.value / n:.1f} statements, server CPU "
        f"{(server_cpu - cpu_before[0]) / n * 1000:.2f} ms, PostgreSQL backends CPU "
        f"{(pg_cpu - cpu_before[1]) / n * 1000:.2f} ms, loader CPU {loader_cpu / n * 1000:.2f} ms"
    )


def _backends(factory) -> list[int]:
    """The PostgreSQL backend processes serving the bench database (not this one's)."""
    with factory() as s:
        rows = s.execute(
            text("select pid from pg_stat_activity where datname = :d and pid <> pg_backend_pid()"),
            {"d": DB},
        )
        return [r[0] for r in rows]


def _wait_ready(port: int) -> None:
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


if __name__ == "__main__":
    main()
