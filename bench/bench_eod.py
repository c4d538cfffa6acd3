"""Benchmark: end-of-day for N active loans with W worker processes (loans/s, wall time).

The portfolio comes from ``bench/gen_loans.py`` (generated once per N into
``sangam_bench_eod_gen_<N>``); each run works on a fresh copy of it
(``CREATE DATABASE ... TEMPLATE``), so runs with 1, 2 and 4 workers close the same
day of the same loans. The run is the production one: :func:`hub.servicing.eod.start_run`
creates the partitions, W processes each call :func:`hub.servicing.eod.work` (the body
of the ``eod_work`` Procrastinate task) until no partition is left, and the last one
advances the business date. Timed: from the run's start to the business date moving.

Run: ``.venv/bin/python bench/bench_eod.py --loans 100000 --workers 2``
(``--profile`` runs one partition in-process under cProfile instead).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from hub.db.engine import to_sqlalchemy_url  # noqa: E402
from hub.servicing import eod  # noqa: E402
from lms_core.persistence import eod_repository, tenant_repository  # noqa: E402
from tests.db import admin_url  # noqa: E402


def _admin(sql: str) -> None:
    engine = create_engine(to_sqlalchemy_url(admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _exists(name: str) -> bool:
    engine = create_engine(to_sqlalchemy_url(admin_url()))
    with engine.connect() as conn:
        found = conn.scalar(text("select 1 from pg_database where datname = :n"), {"n": name})
    engine.dispose()
    return found is not None


def fresh_copy(loans: int) -> str:
    """Return the URL of a fresh copy of the generated portfolio (generating it if needed)."""
    source = f"sangam_bench_eod_gen_{loans}"
    if not _exists(source):
        subprocess.run(
            [sys.executable, str(ROOT / "bench/gen_loans.py"), "--loans", str(loans)], check=True
        )
    _admin('drop database if exists "sangam_bench_eod_run" with (force)')
    started = time.perf_counter()
    _admin(f'create database "sangam_bench_eod_run" template "{source}"')
    print(f"copied the portfolio in {time.perf_counter() - started:.1f} s")
    return to_sqlalchemy_url(admin_url(), "sangam_bench_eod_run")


def work_process(url: str, run_id: int) -> None:
    factory = sessionmaker(create_engine(url), expire_on_commit=False)
    eod.work(factory, run_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-size", type=int, default=5_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--work", type=int, help=argparse.SUPPRESS)  # a worker: the run id
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        work_process(args.url, args.work)
        return
    url = fresh_copy(args.loans)
    factory = sessionmaker(create_engine(url), expire_on_commit=False)
    started = time.perf_counter()
    with factory() as s:
        tenant = tenant_repository.by_code(s, "bench")
        run = eod.start_run(s, tenant.id, args.partition_size)
        run_id, day, loans, parts = run.id, run.business_date, run.loans, run.partitions
        s.commit()
    planned = time.perf_counter()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(eod.work_partition, factory, run_id)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    workers = [
        subprocess.Popen([sys.executable, __file__, "--work", str(run_id), "--url", url])
        for _ in range(args.workers)
    ]
    for w in workers:
        w.wait()
    elapsed = time.perf_counter() - started
    with factory() as s:
        run = eod_repository.run_by_id(s, run_id)
        status = eod.run_status(s, run)
    print(
        f"end-of-day {day}: {loans:,} loans, {parts} partitions, {args.workers} workers: "
        f"status {status['status']}, closed {status['closed']:,}, failed {len(status['failed'])}"
    )
    print(f"  planning {planned - started:.2f} s")
    print(f"  wall {elapsed:.2f} s: {loans / elapsed:,.0f} loans/s")


if __name__ == "__main__":
    main()
