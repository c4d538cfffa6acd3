"""Generate N active loans for the end-of-day benchmark, fast: COPY, not row by row.

A loan portfolio as end-of-day finds it on business date ``D``: every loan is through
``D - 1``; installments already due are raised as dues and paid, except for a share of
loans in arrears (SMA-0 / SMA-1 / SMA-2 and a few NPAs, with their unpaid installments
and the matching DPD and class); every loan has its full schedule and an opening
journal for its principal. Schedules come from the real engine
(:func:`hub.loans.booking.plan_of`), one per *cohort* (disbursement date, amount,
rate, tenure); loans share cohorts, so building schedules costs little.

Python writes only the loan rows (COPY); the server expands schedule lines, dues and
opening postings from the cohorts' lines (``INSERT ... SELECT``), into tables whose
keys and indexes are dropped for the load and built once at the end.

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

from hub.loans.booking import plan_of  # noqa: E402
from hub.platform.tenants import create_tenant  # noqa: E402
from lms_core.loans.classification import AssetClass, classify, days_past_due  # noqa: E402
from lms_core.loans.loan_day import PlannedInstallment  # noqa: E402
from lms_core.persistence.loans import loan_repository  # noqa: E402
from lms_core.terms_json import parse_terms  # noqa: E402
from tests.support.loans import PERSONAL_LOAN  # noqa: E402

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


@dataclass(frozen=True)
class Standing:
    """What a loan of a cohort with some installments unpaid looks like at ``D - 1``."""

    paid: int  # installments paid (the first ones)
    dpd: int
    asset_class: str
    npa_since: str  # COPY text (COPY's NULL for none)
    outstanding: Decimal  # principal still owed after the paid installments


def standing(c: Cohort, unpaid: int, day: date) -> Standing:
    past = [p for p in c.plan if p.due_date < day]
    unpaid = min(unpaid, len(past))
    paid = len(past) - unpaid
    oldest = past[paid].due_date if unpaid else None
    dpd = days_past_due(oldest, day - timedelta(days=1))
    cls = classify(dpd, AssetClass.STANDARD)
    npa_since = (oldest + timedelta(days=90)).isoformat() if cls == "npa" else "\\N"
    outstanding = c.balances[paid - 1] if paid else Decimal(c.terms["principal"])
    return Standing(paid, dpd, str(cls), npa_since, outstanding)


# The schedule lines, dues and opening postings are expanded in the server from one
# small table of cohort lines and one row per loan (INSERT ... SELECT, no Python per row).
EXPAND_SQL = (
    """insert into schedule_line (loan_id, version, number, period_start, due_date,
         principal, interest, fees, total, balance)
       select g.id, 1, c.number, c.period_start, c.due_date, c.principal, c.interest, c.fees,
         c.principal + c.interest + c.fees, c.balance
       from gen_loan g join gen_line c on c.cohort = g.cohort order by g.id, c.number""",
    """insert into loan_due (loan_id, kind, installment, component, due_date, amount, paid,
         waived)
       select g.id, 'installment', c.number, k.component, c.due_date, k.amount,
         case when c.number <= g.paid then k.amount else 0 end, 0
       from gen_loan g join gen_line c on c.cohort = g.cohort and c.due_date < :day
       cross join lateral (values (1, 'principal', c.principal), (2, 'interest', c.interest))
         as k(ord, component, amount)
       order by g.id, c.number, k.ord""",
    """insert into ledger_posting (tenant_id, journal_id, account_id, owner_id, loan_id,
         currency, amount, business_date)
       select :t, :j, a.account, :o, g.id, 'INR', a.sign * g.outstanding, :yesterday
       from gen_loan g cross join (values (1, :principal, 1), (2, :escrow, -1))
         as a(ord, account, sign)
       order by g.id, a.ord""",
)


def generate(session: Session, tenant_id: int, product_id: int, n: int, day: date) -> dict:
    groups = cohorts(day)
    first_id = session.scalar(text("select coalesce(max(id), 0) + 1 from loan"))
    yesterday = day - timedelta(days=1)
    journal = session.scalar(
        text(
            "insert into journal_entry (tenant_id, kind, business_date, description, external_ref,"
            " created_by) values (:t, 'opening', :d, 'benchmark portfolio', :r, 'bench')"
            " returning id"
        ),
        {"t": tenant_id, "d": yesterday, "r": f"bench-open-{first_id}"},
    )
    acc = dict(
        session.execute(
            text("select code, id from ledger_account where tenant_id = :t"), {"t": tenant_id}
        ).all()
    )
    owner = session.scalar(
        text("select id from exposure_owner where tenant_id = :t"), {"t": tenant_id}
    )
    session.execute(
        text(
            "create temp table gen_line (cohort int, number int, period_start date,"
            " due_date date, principal numeric, interest numeric, fees numeric,"
            " balance numeric) on commit drop;"
            " create temp table gen_loan (id bigint, cohort int, paid int,"
            " outstanding numeric) on commit drop"
        )
    )
    lines = io.StringIO()
    for k, c in enumerate(groups):
        for p, bal in zip(c.plan, c.balances, strict=True):
            lines.write(
                f"{k}\t{p.number}\t{p.period_start}\t{p.due_date}\t{p.principal}\t{p.interest}"
                f"\t{p.fees}\t{bal}\n"
            )
    _copy(
        session,
        "gen_line",
        "cohort, number, period_start, due_date, principal, interest, fees, balance",
        lines,
    )
    loans, shapes = io.StringIO(), io.StringIO()
    fixed = [  # a cohort's columns after the loan number
        f"\t{product_id}\tINR\t{c.terms['principal']}\t{c.terms['annual_rate']}"
        f"\t{json.dumps(c.terms)}\t1\tactive\t"
        for c in groups
    ]
    standings: dict[tuple[int, int], Standing] = {}
    for k in range(n):
        loan_id, g = first_id + k, k % len(groups)
        key = (g, _arrears(first_id + k))
        st = standings.get(key) or standings.setdefault(key, standing(groups[g], key[1], day))
        state = "npa" if st.asset_class == "npa" else "standard"
        loans.write(
            f"{loan_id}\t{tenant_id}\tLB{loan_id:010d}{fixed[g]}{state}\t{st.asset_class}\t{st.dpd}"
            f"\t{st.npa_since}\t{groups[g].terms['disbursement_date']}\t{yesterday}"
            f"\t{yesterday}\t0\n"
        )
        shapes.write(f"{loan_id}\t{g}\t{st.paid}\t{st.outstanding}\n")
    _copy(
        session,
        "loan",
        "id, tenant_id, loan_number, product_id, currency, principal, annual_rate, terms,"
        " schedule_version, status, state, asset_class, dpd, npa_since, disbursed_on,"
        " accrued_through, eod_through, advance",
        loans,
    )
    _copy(session, "gen_loan", "id, cohort, paid, outstanding", shapes)
    params = {
        "day": day,
        "yesterday": yesterday,
        "t": tenant_id,
        "j": journal,
        "o": owner,
        "principal": acc["LOAN_PRINCIPAL"],
        "escrow": acc["ESCROW_BANK"],
    }
    written = [session.execute(text(sql), params).rowcount for sql in EXPAND_SQL]
    session.execute(
        text("select setval(pg_get_serial_sequence('loan', 'id'), (select max(id) from loan))")
    )
    return dict(zip(("loans", "schedule_lines", "dues", "postings"), (n, *written), strict=True))


LOAD_TABLES = ("loan", "schedule_line", "loan_due", "ledger_posting")


def detach_constraints(session: Session) -> list[str]:
    """Drop the load tables' keys, foreign keys and indexes; return SQL re-creating them.

    Keys other tables' foreign keys depend on (the loan's id) stay. Loading into bare
    tables and building each index once afterwards is several times faster than
    maintaining them row by row, and a foreign key re-added is checked by one join
    instead of one lookup per row.
    """
    tables = "{" + ",".join(LOAD_TABLES) + "}"
    constraints = session.execute(
        text(
            "select conrelid::regclass::text, conname, pg_get_constraintdef(c.oid) from"
            " pg_constraint c where conrelid = any(cast(:t as regclass[]))"
            " and contype in ('p', 'u', 'f') and not exists (select 1 from pg_constraint r"
            "  where r.contype = 'f' and r.confrelid = c.conrelid and r.conindid = c.conindid)"
            " order by contype = 'f'"
        ),
        {"t": tables},
    ).all()
    indexes = session.execute(
        text(
            "select indexrelid::regclass::text, pg_get_indexdef(indexrelid) from pg_index i"
            " where indrelid = any(cast(:t as regclass[]))"
            " and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)"
        ),
        {"t": tables},
    ).all()
    for table, name, _ in reversed(constraints):
        session.execute(text(f'alter table {table} drop constraint "{name}"'))
    for name, _ in indexes:
        session.execute(text(f"drop index {name}"))
    return [
        *(f'alter table {table} add constraint "{name}" {d}' for table, name, d in constraints),
        *(definition for _, definition in indexes),
    ]


def prepare(url: str, n: int, chunk: int = 50_000) -> None:
    engine = create_engine(url)
    with Session(engine) as s:
        tenant = create_tenant(s, "bench", "Bench NBFC", BUSINESS_DATE)
        product = loan_repository.create_product_version(
            s, tenant.id, "PL", "Personal", PERSONAL_LOAN
        )
        restore = detach_constraints(s)
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
    with Session(engine) as s:
        s.execute(text("set maintenance_work_mem = '1GB'"))
        for sql in restore:
            s.execute(text(sql))
        s.commit()
    print(f"  keys and indexes built ({time.perf_counter() - started:.1f} s)", flush=True)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("vacuum analyze"))
    elapsed = time.perf_counter() - started
    rows = sum(total.values())
    print(f"generated {total} in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s")
    engine.dispose()


def main() -> None:
    from tests.support.db import fresh_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    args = parser.parse_args()
    prepare(fresh_database(f"sangam_bench_eod_gen_{args.loans}"), args.loans)


if __name__ == "__main__":
    main()
