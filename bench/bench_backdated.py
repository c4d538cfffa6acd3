"""Benchmark: N back-dated payments, each one call of ``post_repayment`` in its own transaction.

N loans (1,00,000 at 12 % over 12 months from 1 Jan 2024, first due 1 Feb, EMI
8,884.88) are booked and disbursed with the real services and taken through their
day-ends to 5 Feb unpaid (DPD 5, 29.20 of penal each). On 6 Feb each loan's EMI
arrives valued 1 Feb: :func:`hub.loans.repayments.post_repayment` replays the loan
from 1 Feb (the installment settled on its due date, the penal reversed) and books
the difference; each payment commits on its own, as the API's one-by-one path does.

Timed: the N payments (wall time, and CPU of this process and of its PostgreSQL
backend). Counted: calls of :func:`lms_core.loans.loan_day.replay` per payment.
Runs on a throwaway database ``sangam_bench_backdated`` on the test PostgreSQL server,
copied from a template database built once per N (``--fresh`` builds it again), so an
A/B of two versions of the code posts into the same loans.

Run: ``.venv/bin/python bench/bench_backdated.py [N] [--fresh] [--profile [tottime]]``
(default 1,000; ``--profile`` prints the 30 costliest functions by CPU time, cumulative
or by own time).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from bench import cpu  # noqa: E402
from hub.loans.booking import PartyIn, book_loan, disburse  # noqa: E402
from hub.loans.day_close import run_partition  # noqa: E402
from hub.loans.repayments import RepaymentIn, post_repayment  # noqa: E402
from hub.platform.tenants import create_tenant  # noqa: E402
from lms_core.loans import loan_day  # noqa: E402
from lms_core.persistence.loans import loan_repository  # noqa: E402
from lms_core.persistence.platform import tenant_repository  # noqa: E402
from tests.support.db import admin_url, fresh_database, to_sqlalchemy_url  # noqa: E402
from tests.support.loans import PERSONAL_LOAN  # noqa: E402

DB = "sangam_bench_backdated"
DUE, TODAY = date(2024, 2, 1), date(2024, 2, 6)
EMI = Decimal("8884.88")
TERMS = {
    "principal": "100000",
    "annual_rate": "12",
    "tenure": 12,
    "disbursement_date": "2024-01-01",
    "first_due_date": "2024-02-01",
}


def setup(n: int, fresh: bool) -> tuple[sessionmaker, int, list[int]]:
    """Copy the template database of ``n`` loans (built first if needed); return the copy's
    session factory, the tenant and the loan ids."""
    template = f"{DB}_tpl_{n}"
    admin = create_engine(to_sqlalchemy_url(admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        known = conn.execute(text("select 1 from pg_database where datname = :d"), {"d": template})
        if fresh or known.first() is None:
            build(n, template)
        conn.execute(text(f'drop database if exists "{DB}" with (force)'))
        conn.execute(text(f'create database "{DB}" template "{template}"'))
    admin.dispose()
    factory = sessionmaker(
        create_engine(to_sqlalchemy_url(admin_url(), DB)), expire_on_commit=False
    )
    with factory() as s:
        tenant_id = s.execute(text("select id from tenant")).scalar_one()
        ids = list(s.execute(text("select id from loan order by id")).scalars())
    return factory, tenant_id, ids


def build(n: int, name: str) -> None:
    """Build database ``name``: a tenant and ``n`` loans through 5 Feb, unpaid."""
    started = time.perf_counter()
    engine = create_engine(fresh_database(name))
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        tenant = create_tenant(s, "bench", "Bench", date(2024, 1, 1))
        loan_repository.create_product_version(s, tenant.id, "PL", "Personal loan", PERSONAL_LOAN)
        ids = []
        for i in range(n):
            loan = book_loan(s, tenant.id, "PL", TERMS, [PartyIn("borrower", f"B{i}")])
            disburse(s, tenant.id, loan.id, "bench")
            ids.append(loan.id)
        day = date(2024, 1, 1)
        while day < TODAY:
            run_partition(s, tenant.id, ids, day)
            tenant_repository.set_business_date(s, tenant.id, day, day + timedelta(days=1))
            day += timedelta(days=1)
        s.commit()
        s.execute(text("analyze"))
        s.commit()
    engine.dispose()
    print(f"setup: {n:,} loans through 5 Feb in {time.perf_counter() - started:.1f} s")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000
    factory, tenant_id, ids = setup(n, "--fresh" in sys.argv)
    original, calls = loan_day.replay, [0]

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "replay", None) is original:
            module.replay = counted
    body = RepaymentIn(EMI, value_date=DUE)
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    event.listen(factory.kw["bind"], "before_cursor_execute", count)
    with factory() as s:
        backend = s.execute(text("select pg_backend_pid()")).scalar_one()
        before = time.process_time(), cpu.seconds(backend)
        prof = cProfile.Profile(time.process_time) if "--profile" in sys.argv else None
        started = time.perf_counter()
        if prof:
            prof.enable()
        for loan_id in ids:
            post_repayment(s, tenant_id, loan_id, body, "bench")
            s.commit()
        if prof:
            prof.disable()
        took = time.perf_counter() - started
        py_cpu, pg_cpu = time.process_time() - before[0], cpu.seconds(backend) - before[1]
    per = 1e3 / n
    print(f"post: {n:,} back-dated payments in {took:.2f} s ({n / took:,.0f}/s)")
    print(f"per payment: wall {took * per:.2f} ms, CPU Python {py_cpu * per:.2f} ms,")
    print(f"  PostgreSQL {pg_cpu * per:.2f} ms; replays {calls[0] / n:.2f},")
    print(f"  SQL statements {statements[0] / n:.1f}")
    if prof:
        order = sys.argv[-1] if sys.argv[-1] in ("tottime", "cumulative") else "cumulative"
        pstats.Stats(prof).sort_stats(order).print_stats(30)


if __name__ == "__main__":
    main()
