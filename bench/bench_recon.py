"""Benchmark: a reconciliation run, N bank lines against N expected items.

The mix (issue #7): 90% of lines quote our reference exactly (rule ``exact_reference``,
set-based SQL), 8% only carry a truncated reference in the narration with the same
amount within the date window (rule ``amount_date_reference``, the Python engine), 2%
match nothing (breaks: the line is ``unknown_reference``, its expected item becomes
``no_matching_payment``). Both sides are generated with COPY into a throwaway database
``sangam_bench_recon``; the timed part is one :func:`run_reconciliation` and its commit.

Run: ``.venv/bin/python bench/bench_recon.py --n 1000000`` (target <= 30 s). Prints
the run time, lines/s, the CPU split (this process, and the PostgreSQL backend that ran
the statements, read from ``/proc``), the match rate and the groups per rule.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from bench import cpu  # noqa: E402
from hub.recon.run import run_reconciliation  # noqa: E402
from lms_core.persistence.platform import tenant_repository  # noqa: E402
from lms_core.persistence.recon import run_repository as repository  # noqa: E402
from lms_core.persistence.recon.recon_repository import copy_rows  # noqa: E402
from tests.support.db import fresh_database  # noqa: E402

DAY0 = date(2024, 4, 1)
ACTUAL = ("tenant_id", "account_id", "kind", "line_no", "line_key", "direction", "amount",
          "currency", "value_date", "our_ref", "narration", "held")  # fmt: skip
EXPECTED = ("tenant_id", "source", "reference", "amount", "currency", "direction",
            "expected_on", "status")  # fmt: skip


def kind_of(n: int) -> str:
    """90% exact reference, 8% amount + date, 2% breaks, interleaved."""
    slot = n % 50
    return "break" if slot == 49 else "fuzzy" if slot >= 45 else "exact"


def amount(n: int, offset: int = 0) -> str:
    paise = 100_000 + n * 7 + offset  # unique per item, Rs 1,000.00 upwards
    return f"{paise // 100}.{paise % 100:02d}"


def expected_rows(tenant_id: int, n: int):
    for i in range(n):
        on = DAY0 + timedelta(days=i % 20)
        yield (tenant_id, "nach", f"RCP{i:010d}", amount(i), "INR", "credit", on, "open")


def actual_rows(tenant_id: int, account_id: int, n: int):
    for i in range(n):
        kind = kind_of(i)
        on = DAY0 + timedelta(days=i % 20 + (i % 4) - 1)  # -1 .. +2 days
        if kind == "exact":
            ref, narration, value = f"RCP{i:010d}", f"NACH CR RCP{i:010d}", amount(i)
        elif kind == "fuzzy":  # the bank dropped our reference's last digit
            ref, narration = None, f"NEFT CR-HDFCN24{i:09d}-PAYER-RCP{i:010d}"[:-1]
            value = amount(i)
        else:
            ref, narration, value = f"ZZ{i:010d}", f"UNKNOWN CREDIT {i}", amount(i, 50_000_000)
        yield (tenant_id, account_id, "mt940", i, f"b:{i}", "credit", value, "INR", on, ref,
               narration, False)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="lines (and expected items)")
    n = parser.parse_args().n
    engine = create_engine(fresh_database("sangam_bench_recon"))
    factory = sessionmaker(engine, expire_on_commit=False)
    started = time.perf_counter()
    with factory() as s:
        tenant = tenant_repository.create_tenant(s, "bench", "Bench", DAY0 + timedelta(days=40))
        account = repository.add_account(s, tenant.id, "50200099999999", "HDFC", "Bench", "INR")
        copy_rows(s, "recon_expected_item", EXPECTED, expected_rows(tenant.id, n))
        copy_rows(s, "recon_actual_item", ACTUAL, actual_rows(tenant.id, account.id, n))
        s.commit()
        s.execute(text("analyze recon_expected_item"))
        s.execute(text("analyze recon_actual_item"))
        s.commit()
    print(f"generated {n:,} lines + {n:,} expected items in {time.perf_counter() - started:.1f} s")
    with factory() as s:
        backend = s.execute(text("select pg_backend_pid()")).scalar_one()
        started, cpu0, db0 = time.perf_counter(), time.process_time(), cpu.seconds(backend)
        run = run_reconciliation(s, tenant.id, now=datetime.now(UTC))
        s.commit()
        elapsed = time.perf_counter() - started
        python_cpu, db_cpu = time.process_time() - cpu0, cpu.seconds(backend) - db0
    summary = run.summary
    print(f"run: {elapsed:.1f} s, {n / elapsed:,.0f} lines/s")
    print(f"cpu: python {python_cpu:.1f} s, postgres backend {db_cpu:.1f} s")
    print(f"match rate: {summary['match_rate_percent']}% of lines "
          f"({summary['actual_matched']:,} of {summary['actual_in']:,})")  # fmt: skip
    print(f"groups by rule: {summary['groups_by_rule']}")
    print(f"breaks: {summary['breaks']}  suggestions: {summary['suggestions']}")
    engine.dispose()


if __name__ == "__main__":
    main()
