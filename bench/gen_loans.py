"""Generate N active loans for the end-of-day benchmark, fast: COPY, not row by row.

A loan portfolio as end-of-day finds it on business date ``D``: every loan is through
``D - 1``; installments already due are raised as dues and paid, except for a share of
loans in arrears (SMA-0 / SMA-1 / SMA-2 and a few NPAs, with their unpaid installments
and the matching DPD and class); every loan has its full schedule and an opening
journal for its principal. Schedules come from the real engine
(:func:`hub.servicing.booking.plan_of`), one per *cohort* (disbursement date, amount,
rate, tenure); loans share cohorts, so building schedules costs little.

Run: ``.venv/bin/python bench/gen_loans.py --loans 100000`` (into database
``sangam_bench_eod_gen_<N>`` on the test PostgreSQL server; prints rows/s).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from hub.seed import create_tenant  # noqa: E402
from hub.servicing.booking import plan_of  # noqa: E402
from lms_core.persistence import loan_repository  # noqa: E402
from lms_core.servicing.classification import AssetClass, classify, days_past_due  # noqa: E402
from lms_core.servicing.loan_day import PlannedInstallment  # noqa: E402
from lms_core.terms_json import parse_terms  # noqa: E402
from tests.servicing.helpers import PERSONAL_LOAN  # noqa: E402

BUSINESS_DATE = date(2025, 6, 1)
AMOUNTS = ("50000", "100000", "250000", "500000")
RATES = ("11", "14", "18")
TENURES = (12, 24, 36, 60)
ARREARS = ((0.04, 1), (0.01, 2), (0.005, 3), (0.003, 5))  # share of loans, installments unpaid


@dataclass(frozen=True)
class Cohort:
    terms: dict
    plan: list[PlannedInstallment]
    balances: list[Decimal]


def _add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    return date(day.year + m // 12, m % 12 + 1, day.day)


def cohorts(day: date) -> list[Cohort]:
    """Schedules for every (disbursement date, amount, rate, tenure) the portfolio uses."""
    found = []
    for back in range(1, 540, 3):
        start = day - timedelta(days=back)
        start = start.replace(day=min(start.day, 28))
        for n, amount in enumerate(AMOUNTS):
            rate, tenure = RATES[(back + n) % 3], TENURES[(back // 3 + n) % 4]
            if _add_months(start, tenure) <= day:
                continue
            terms = {
                **PERSONAL_LOAN["terms_defaults"],
                "principal": amount,
                "annual_rate": rate,
                "tenure": tenure,
                "disbursement_date": start.isoformat(),
                "first_due_date": _add_months(start, 1).isoformat(),
            }
            parsed, problems = parse_terms(terms)
            assert parsed is not None, problems
            plan, balances = plan_of(parsed)
            found.append(Cohort(terms, plan, balances))
    return found


def _copy(session: Session, table: str, columns: str, buf: io.StringIO) -> None:
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"copy {table} ({columns}) from stdin") as copy:
        copy.write(buf.getvalue())


def _arrears(i: int) -> int:
    """How many of the loan's last installments are unpaid (deterministic by loan)."""
    slot, edge = (i * 7919) % 100_000 / 100_000, 0.0
    for share, unpaid in ARREARS:
        edge += share
        if slot < edge:
            return unpaid
    return 0


def generate(session: Session, tenant_id: int, product_id: int, n: int, day: date) -> dict:
    groups = cohorts(day)
    first_id = session.scalar(text("select coalesce(max(id), 0) + 1 from loan"))
    loans, lines, dues, postings = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
    yesterday = (day - timedelta(days=1)).isoformat()
    journal = session.scalar(
        text(
            "insert into journal_entry (tenant_id, kind, business_date, description, external_ref,"
            " created_by) values (:t, 'opening', :d, 'benchmark portfolio', :r, 'bench')"
            " returning id"
        ),
        {"t": tenant_id, "d": day - timedelta(days=1), "r": f"bench-open-{first_id}"},
    )
    acc = dict(
        session.execute(
            text("select code, id from ledger_account where tenant_id = :t"), {"t": tenant_id}
        ).all()
    )
    owner = session.scalar(
        text("select id from exposure_owner where tenant_id = :t"), {"t": tenant_id}
    )
    counts = {"loans": n, "schedule_lines": 0, "dues": 0, "postings": 0}
    for k in range(n):
        loan_id, c = first_id + k, groups[k % len(groups)]
        past = [p for p in c.plan if p.due_date < day]
        unpaid = min(_arrears(loan_id), len(past))
        open_from = len(past) - unpaid
        oldest = past[open_from].due_date if unpaid else None
        dpd = days_past_due(oldest, day - timedelta(days=1))
        cls = classify(dpd, AssetClass.STANDARD)
        npa_since = (oldest + timedelta(days=90)).isoformat() if cls == "npa" else "\\N"
        loans.write(
            f"{loan_id}\t{tenant_id}\tLB{loan_id:010d}\t{product_id}\tINR\t{c.terms['principal']}"
            f"\t{c.terms['annual_rate']}\t{json.dumps(c.terms)}\t1\tactive"
            f"\t{'npa' if cls == 'npa' else 'standard'}\t{cls}\t{dpd}\t{npa_since}"
            f"\t{c.terms['disbursement_date']}\t{yesterday}\t{yesterday}\t0\n"
        )
        for p, bal in zip(c.plan, c.balances, strict=True):
            lines.write(
                f"{loan_id}\t1\t{p.number}\t{p.period_start}\t{p.due_date}\t{p.principal}"
                f"\t{p.interest}\t{p.fees}\t{p.principal + p.interest + p.fees}\t{bal}\n"
            )
        for j, p in enumerate(past):
            for component, amount in (("principal", p.principal), ("interest", p.interest)):
                paid = amount if j < open_from else 0
                dues.write(
                    f"{loan_id}\tinstallment\t{p.number}\t{component}\t{p.due_date}"
                    f"\t{amount}\t{paid}\t0\n"
                )
                counts["dues"] += 1
        outstanding = c.balances[open_from - 1] if open_from else Decimal(c.terms["principal"])
        for code, amount in (("LOAN_PRINCIPAL", outstanding), ("ESCROW_BANK", -outstanding)):
            postings.write(
                f"{tenant_id}\t{journal}\t{acc[code]}\t{owner}\t{loan_id}\tINR\t{amount}"
                f"\t{yesterday}\n"
            )
        counts["schedule_lines"] += len(c.plan)
        counts["postings"] += 2
    _copy(
        session,
        "loan",
        "id, tenant_id, loan_number, product_id, currency, principal, annual_rate, terms,"
        " schedule_version, status, state, asset_class, dpd, npa_since, disbursed_on,"
        " accrued_through, eod_through, advance",
        loans,
    )
    _copy(
        session,
        "schedule_line",
        "loan_id, version, number, period_start, due_date, principal, interest, fees, total,"
        " balance",
        lines,
    )
    _copy(
        session,
        "loan_due",
        "loan_id, kind, installment, component, due_date, amount, paid, waived",
        dues,
    )
    _copy(
        session,
        "ledger_posting",
        "tenant_id, journal_id, account_id, owner_id, loan_id, currency, amount, business_date",
        postings,
    )
    session.execute(
        text("select setval(pg_get_serial_sequence('loan', 'id'), (select max(id) from loan))")
    )
    return counts


def prepare(url: str, n: int, chunk: int = 50_000) -> None:
    engine = create_engine(url)
    with Session(engine) as s:
        tenant = create_tenant(s, "bench", "Bench NBFC", BUSINESS_DATE)
        product = loan_repository.create_product_version(
            s, tenant.id, "PL", "Personal", PERSONAL_LOAN
        )
        s.commit()
        tenant_id, product_id = tenant.id, product.id
    started, total = time.perf_counter(), {}
    for done in range(0, n, chunk):
        with Session(engine) as s:
            counts = generate(s, tenant_id, product_id, min(chunk, n - done), BUSINESS_DATE)
            s.commit()
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        print(
            f"  {done + counts['loans']:,} loans ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("vacuum analyze"))
    elapsed = time.perf_counter() - started
    rows = sum(total.values())
    print(f"generated {total} in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s")
    engine.dispose()


def main() -> None:
    from tests.db import fresh_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    args = parser.parse_args()
    prepare(fresh_database(f"sangam_bench_eod_gen_{args.loans}"), args.loans)


if __name__ == "__main__":
    main()
