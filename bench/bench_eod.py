"""Benchmark: end-of-day for N active loans with W worker processes (loans/s, wall time).

The portfolio comes from ``bench/gen_loans.py`` (generated once per N into
``sangam_bench_eod_gen_<N>``); each run works on a fresh copy of it
(``CREATE DATABASE ... TEMPLATE``), so runs with 1, 2 and 4 workers close the same
day of the same loans. The run is the production one: :func:`hub.platform.eod.runner.start_run`
creates the partitions, W processes each call :func:`hub.platform.eod.runner.work` (the body
of the ``eod_work`` Procrastinate task) until no partition is left, and the last one
advances the business date. Timed: from the run's start to the business date moving.

Run: ``.venv/bin/python bench/bench_eod.py --loans 100000 --workers 2``
(``--profile`` runs one partition in-process under cProfile instead).

Besides wall time it prints the CPU the run cost per loan, split into the workers'
Python (their own process time) and PostgreSQL (the CPU of the workers' server
backends, read from ``/proc/<pid>/stat``; the server's background writers are not
counted). On a shared machine wall time says little; CPU per loan is what to compare.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from bench import cpu  # noqa: E402
from hub.platform.db.engine import to_sqlalchemy_url  # noqa: E402
from hub.platform.db.migrate import alembic_config, current  # noqa: E402
from hub.platform.eod import runner as eod  # noqa: E402
from lms_core.persistence.platform import eod_repository, tenant_repository  # noqa: E402
from tests.support.db import admin_url  # noqa: E402


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


def _current_schema(name: str) -> bool:
    """Return whether database ``name`` is migrated to the code's heads (not an old portfolio)."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return current(to_sqlalchemy_url(admin_url(), name)) == ",".join(sorted(heads))


def fresh_copy(loans: int) -> str:
    """Return the URL of a fresh copy of the generated portfolio (generating it if needed,
    or again when it was generated under older migrations)."""
    source = f"sangam_bench_eod_gen_{loans}"
    if not _exists(source) or not _current_schema(source):
        subprocess.run(
            [sys.executable, str(ROOT / "bench/gen_loans.py"), "--loans", str(loans)], check=True
        )
    _admin('drop database if exists "sangam_bench_eod_run" with (force)')
    started = time.perf_counter()
    # FILE_COPY copies the files (checkpoints around it) instead of writing the whole
    # portfolio through the WAL, which at 1M loans would leave checkpoints running into
    # the timed run.
    _admin(f'create database "sangam_bench_eod_run" template "{source}" strategy file_copy')
    print(f"copied the portfolio in {time.perf_counter() - started:.1f} s")
    return to_sqlalchemy_url(admin_url(), "sangam_bench_eod_run")


def work_process(url: str, run_id: int) -> dict[str, float]:
    """Close partitions until none is left; return the CPU seconds spent (Python, PostgreSQL)."""
    engine = create_engine(url)
    backends: dict[int, int] = {}  # server pid -> its CPU ticks when we connected

    @event.listens_for(engine, "connect")
    def _backend(dbapi_conn, _record) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("select pg_backend_pid()")
            pid = cur.fetchone()[0]
        backends[pid] = cpu.ticks(pid)

    started = time.process_time()
    eod.work(sessionmaker(engine, expire_on_commit=False), run_id)
    python = time.process_time() - started
    pg = sum(cpu.ticks(pid) - before for pid, before in backends.items()) / cpu.TICK
    engine.dispose()
    return {"python": python, "pg": pg}


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
        print(json.dumps(work_process(args.url, args.work)))
        return
    url = fresh_copy(args.loans)
    factory = sessionmaker(create_engine(url), expire_on_commit=False)
    started = time.perf_counter()
    with factory() as s:
        wal = s.scalar(text("select pg_current_wal_insert_lsn()"))
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
        subprocess.Popen(
            [sys.executable, __file__, "--work", str(run_id), "--url", url],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(args.workers)
    ]
    cpu = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
    elapsed = time.perf_counter() - started
    with factory() as s:
        run = eod_repository.run_by_id(s, run_id)
        status = eod.run_status(s, run)
        wal = s.scalar(text("select pg_current_wal_insert_lsn() - :w"), {"w": wal})
    print(
        f"end-of-day {day}: {loans:,} loans, {parts} partitions, {args.workers} workers: "
        f"status {status['status']}, closed {status['closed']:,}, failed {len(status['failed'])}"
    )
    print(f"  planning {planned - started:.2f} s")
    print(f"  wall {elapsed:.2f} s: {loans / elapsed:,.0f} loans/s")
    python, pg = (sum(c[k] for c in cpu) for k in ("python", "pg"))
    per = 1e6 / max(loans, 1)
    print(
        f"  CPU {python + pg:.2f} s = {(python + pg) * per:.0f} us/loan"
        f" (Python {python * per:.0f} us, PostgreSQL backends {pg * per:.0f} us);"
        f" WAL {wal / max(loans, 1):,.0f} bytes/loan"
    )


if __name__ == "__main__":
    main()
