"""Benchmark: a file of N repayments posted through the bulk repayment path.

Loans to pay into are generated set-wise: one template loan (1,00,000 at 12 % over 12
months, booked 1 Jan 2024) is booked, disbursed and taken through its day-ends to
31 Jan with the real services, then cloned N times server-side (``insert ... select
... from generate_series``: loans and schedule lines; no row-by-row Python), then the
whole database is analyzed. On the
business date 1 Feb each loan's EMI (8,884.88) falls due; the file pays it, so each
posting raises two dues, allocates, writes a repayment and a 3-line journal.

Timed: ``map`` (CSV bytes -> records through mappings/bulk_repayments/default.yaml)
and ``post`` (:func:`hub.loans.bulk_repayments.post_repayments` + commit).
Runs on a throwaway database ``sangam_bench_repay`` on the test PostgreSQL server.

Run: ``.venv/bin/python bench/bench_bulk_posting.py [N] [--profile]`` (default
1,000,000; ``--profile tottime`` sorts the profile by own time). Prints postings/s
and the CPU per payment of this process and of its PostgreSQL backend.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from bench import cpu  # noqa: E402
from hub.loans.booking import PartyIn, book_loan, disburse  # noqa: E402
from hub.loans.bulk_repayments import Result, post_repayments  # noqa: E402
from hub.loans.bulk_repayments_inbox import BulkRepaymentsHandler  # noqa: E402
from hub.loans.day_close import run_partition  # noqa: E402
from hub.platform.tenants import create_tenant  # noqa: E402
from lms_core.persistence.loans import loan_repository  # noqa: E402
from lms_core.persistence.platform import tenant_repository  # noqa: E402
from tests.support.db import fresh_database  # noqa: E402
from tests.support.loans import PERSONAL_LOAN  # noqa: E402

DB = "sangam_bench_repay"
TODAY = date(2024, 2, 1)
EMI = Decimal("8884.88")
HEADER = "Loan Number,Amount,Value Date,Channel,Reference,Currency"

LOAN_COLUMNS = (
    "loan_number, product_id, currency, principal, annual_rate, terms, schedule_version, "
    "status, state, asset_class, dpd, npa_since, disbursed_on, accrued_through, eod_through, "
    "closed_on, advance, external_ref, tenant_id, branch_id"
)


def setup(n: int) -> tuple[sessionmaker, int, list[tuple[int, str]]]:
    """Create the database, a tenant and ``n`` loans due today; return them."""
    engine = create_engine(fresh_database(DB))
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        tenant = create_tenant(s, "bench", "Bench", date(2024, 1, 1))
        loan_repository.create_product_version(s, tenant.id, "PL", "Personal loan", PERSONAL_LOAN)
        terms = {
            "principal": "100000",
            "annual_rate": "12",
            "tenure": 12,
            "disbursement_date": "2024-01-01",
            "first_due_date": "2024-02-01",
        }
        loan = book_loan(s, tenant.id, "PL", terms, [PartyIn("borrower", "Template")])
        disburse(s, tenant.id, loan.id, "bench")
        day = date(2024, 1, 1)
        while day < TODAY:
            run_partition(s, tenant.id, [loan.id], day)
            tenant_repository.set_business_date(
                s, tenant.id, day, date.fromordinal(day.toordinal() + 1)
            )
            day = date.fromordinal(day.toordinal() + 1)
        clone(s, loan.id, n)
        s.commit()
        loans = [tuple(r) for r in s.execute(text("select id, loan_number from loan order by id"))]
        return factory, tenant.id, loans


def clone(session, template_id: int, n: int) -> None:
    """Copy the template loan ``n - 1`` times with its schedule, set-wise on the server."""
    started = time.perf_counter()
    session.execute(
        text(
            f"insert into loan ({LOAN_COLUMNS}) select 'BL' || lpad(g::text, 10, '0'), "
            + LOAN_COLUMNS.split(", ", 1)[1]
            + " from loan, generate_series(2, :n) g where loan.id = :t"
        ),
        {"n": n, "t": template_id},
    )
    session.execute(
        text(
            "insert into schedule_line (loan_id, version, number, period_start, due_date, "
            "principal, interest, fees, total, balance) "
            "select l.id, s.version, s.number, s.period_start, s.due_date, s.principal, "
            "s.interest, s.fees, s.total, s.balance from loan l join schedule_line s "
            "on s.loan_id = :t where l.id <> :t"
        ),
        {"t": template_id},
    )
    session.execute(text("analyze"))
    print(f"cloned {n - 1:,} loans in {time.perf_counter() - started:.1f} s")


def payments_file(loans: list[tuple[int, str]]) -> bytes:
    rows = [HEADER]
    rows += [f"{number},{EMI},01-02-2024,NACH,ACH{lid:012d},INR" for lid, number in loans]
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    profile = "--profile" in sys.argv
    factory, tenant_id, loans = setup(n)
    data = payments_file(loans)
    started = time.perf_counter()
    parsed = BulkRepaymentsHandler().parse(None, None, data)  # type: ignore[arg-type]
    mapped = time.perf_counter() - started
    print(f"map: {n:,} records in {mapped:.1f} s ({n / mapped:,.0f} records/s)")
    prof = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with factory() as s:
        backend = s.execute(text("select pg_backend_pid()")).scalar_one()
        before = time.process_time(), cpu.seconds(backend)
        if prof:
            prof.enable()
        result = post_repayments(s, tenant_id, parsed.records, "bench")
        s.commit()
        if prof:
            prof.disable()
        py_cpu, pg_cpu = time.process_time() - before[0], cpu.seconds(backend) - before[1]
    took = time.perf_counter() - started
    per = 1e6 / n
    print(f"CPU per payment: Python {py_cpu * per:,.0f} us, PostgreSQL {pg_cpu * per:,.0f} us")
    applied = result.count(Result.APPLIED)
    print(f"post: {applied:,} applied ({result.batched:,} batched) in {took:.1f} s")
    print(f"=> {applied / took:,.0f} postings/s; with mapping {applied / (took + mapped):,.0f}/s")
    assert applied == n, [o for o in result.outcomes if o.result is not Result.APPLIED][:3]
    if prof:
        pstats.Stats(prof).sort_stats(
            sys.argv[-1] if sys.argv[-1] in ("tottime", "cumulative") else "cumulative"
        ).print_stats(40)


if __name__ == "__main__":
    main()
