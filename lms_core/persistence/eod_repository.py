"""All SQL of end-of-day: runs and partitions, and the per-partition bulk loads and writes.

A partition's day-end reads each table once for all its loans (loans locked ``FOR
UPDATE``, the current schedule line, the unpaid dues, repayments dated from the day on)
and writes once: one journal with every loan's lines (postings by COPY), new dues,
penal charges and events by multi-row inserts, loan fields by one ``UPDATE ... FROM
unnest``. Reads return plain rows, not ORM objects: a million ORM objects a day would
cost more than the day-end itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, insert, select, text, update
from sqlalchemy.orm import Session

from lms_core.ledger import OWN_BOOK, Journal, require_valid
from lms_core.persistence.eod_models import BenchmarkRate, EodPartition, EodRun
from lms_core.persistence.models import ExposureOwner, JournalEntry, LedgerAccount
from lms_core.persistence.servicing_models import LoanDue, LoanEvent, PenalCharge, Product
from lms_core.servicing.loan_day import PlannedInstallment

# --- runs and partitions ------------------------------------------------------------


def run_for(session: Session, tenant_id: int, day: date, *, lock: bool = False) -> EodRun | None:
    stmt = select(EodRun).where(EodRun.tenant_id == tenant_id, EodRun.business_date == day)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def run_by_id(session: Session, run_id: int, *, lock: bool = False) -> EodRun | None:
    stmt = select(EodRun).where(EodRun.id == run_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def create_run(session: Session, tenant_id: int, day: date) -> EodRun:
    run = EodRun(tenant_id=tenant_id, business_date=day, status="running")
    session.add(run)
    session.flush()
    return run


def loan_ranges(
    session: Session, tenant_id: int, day: date, size: int
) -> list[tuple[int, int, int]]:
    """Return balanced ``(first id, last id, count)`` ranges of the loans to close on ``day``."""
    rows = session.execute(
        text(
            "select min(id), max(id), count(*) from ("
            " select id, (row_number() over (order by id) - 1) / :size as bucket from loan"
            " where tenant_id = :t and status = 'active' and eod_through < :d) x"
            " group by bucket order by bucket"
        ),
        {"t": tenant_id, "d": day, "size": size},
    )
    return [(a, b, n) for a, b, n in rows]


def add_partitions(session: Session, run: EodRun, ranges: Sequence[tuple[int, int, int]]) -> None:
    start = session.scalar(
        select(func.coalesce(func.max(EodPartition.seq), 0)).where(EodPartition.run_id == run.id)
    )
    rows = [
        {
            "run_id": run.id,
            "seq": start + i + 1,
            "first_loan_id": a,
            "last_loan_id": b,
            "loans": n,
            "status": "pending",
            "closed": 0,
            "failed": 0,
            "errors": [],
        }
        for i, (a, b, n) in enumerate(ranges)
    ]
    if rows:
        session.execute(insert(EodPartition), rows)
    run.partitions = (run.partitions or 0) + len(rows)
    run.loans = (run.loans or 0) + sum(n for _, _, n in ranges)


def claim_partition(session: Session, run_id: int) -> EodPartition | None:
    """Lock one pending partition nobody holds; the lock lasts until the transaction ends."""
    return session.scalar(
        select(EodPartition)
        .where(EodPartition.run_id == run_id, EodPartition.status == "pending")
        .order_by(EodPartition.seq)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def claimable(session: Session, run_id: int) -> bool:
    """Return whether a pending partition of the run is free (not held by a worker)."""
    found = session.scalar(
        select(EodPartition.id)
        .where(EodPartition.run_id == run_id, EodPartition.status == "pending")
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return found is not None


def partitions_of(session: Session, run_id: int) -> list[EodPartition]:
    return list(
        session.scalars(
            select(EodPartition).where(EodPartition.run_id == run_id).order_by(EodPartition.seq)
        )
    )


def supersede_partitions(session: Session, run_id: int) -> None:
    """Keep a failed attempt's partitions (and errors) as history, out of the counts."""
    session.execute(
        update(EodPartition)
        .where(EodPartition.run_id == run_id, EodPartition.status == "done")
        .values(status="superseded")
    )


def unfinished_partitions(session: Session, run_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(EodPartition)
        .where(EodPartition.run_id == run_id, EodPartition.status == "pending")
    )


def failed_loans(session: Session, run_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(EodPartition.failed), 0)).where(
            EodPartition.run_id == run_id, EodPartition.status == "done"
        )
    )


def running_runs(session: Session) -> list[EodRun]:
    return list(session.scalars(select(EodRun).where(EodRun.status == "running")))


def loan_ids_in(session: Session, tenant_id: int, first: int, last: int, day: date) -> list[int]:
    return list(
        session.scalars(
            text(
                "select id from loan where tenant_id = :t and id between :a and :b"
                " and status = 'active' and eod_through < :d order by id"
            ),
            {"t": tenant_id, "a": first, "b": last, "d": day},
        )
    )


def mark_finished(session: Session, run: EodRun, status: str, at: datetime) -> None:
    run.status, run.finished_at = status, at


# --- benchmark rates ----------------------------------------------------------------


def publish_rate(
    session: Session, tenant_id: int, code: str, effective: date, rate: Decimal
) -> BenchmarkRate:
    """Store a benchmark rate (replacing one published for the same code and date)."""
    row = session.scalar(
        select(BenchmarkRate).where(
            BenchmarkRate.tenant_id == tenant_id,
            BenchmarkRate.code == code,
            BenchmarkRate.effective_date == effective,
        )
    )
    if row is None:
        row = BenchmarkRate(tenant_id=tenant_id, code=code, effective_date=effective, rate=rate)
        session.add(row)
    row.rate = rate
    session.flush()
    return row


def rate_on(session: Session, tenant_id: int, code: str, day: date) -> Decimal | None:
    """Return the benchmark rate in force on ``day`` (latest effective on or before it)."""
    return session.scalar(
        select(BenchmarkRate.rate)
        .where(
            BenchmarkRate.tenant_id == tenant_id,
            BenchmarkRate.code == code,
            BenchmarkRate.effective_date <= day,
        )
        .order_by(BenchmarkRate.effective_date.desc())
        .limit(1)
    )


def rates(session: Session, tenant_id: int) -> list[BenchmarkRate]:
    return list(
        session.scalars(
            select(BenchmarkRate)
            .where(BenchmarkRate.tenant_id == tenant_id)
            .order_by(BenchmarkRate.code, BenchmarkRate.effective_date)
        )
    )


# --- per-partition bulk loads -------------------------------------------------------

LOAN_COLUMNS = (
    "id, product_id, currency, schedule_version, status, asset_class, dpd, npa_since,"
    " accrued_through, eod_through"
)


def lock_loans(session: Session, ids: Sequence[int]) -> list[Row]:
    """Lock and return the loans (plain rows, ordered by id) for a partition's day-end."""
    return list(
        session.execute(
            text(
                f"select {LOAN_COLUMNS} from loan where id = any(cast(:ids as bigint[]))"
                " order by id for update"
            ),
            {"ids": _array(ids)},
        )
    )


def product_rules(session: Session, product_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    rows = session.execute(select(Product.id, Product.rules).where(Product.id.in_(product_ids)))
    return {pid: rules for pid, rules in rows}


def current_lines(
    session: Session, loans: Sequence[tuple[int, int]], day: date
) -> dict[int, PlannedInstallment]:
    """Return each loan's first schedule line due on or after ``day`` (the accruing one)."""
    if not loans:
        return {}
    rows = session.execute(
        text(
            "select l.id, s.number, s.period_start, s.due_date, s.principal, s.interest, s.fees"
            " from unnest(cast(:ids as bigint[]), cast(:versions as bigint[])) as l(id, v)"
            " cross join lateral (select * from schedule_line s where s.loan_id = l.id"
            "  and s.version = l.v and s.due_date >= :d order by s.number limit 1) s"
        ),
        {"ids": _array(i for i, _ in loans), "versions": _array(v for _, v in loans), "d": day},
    )
    return {r[0]: PlannedInstallment(*r[1:]) for r in rows}


def loans_with_unpaid_dues(session: Session, ids: Sequence[int]) -> set[int]:
    return set(
        session.scalars(
            text(
                "select distinct loan_id from loan_due"
                " where loan_id = any(cast(:ids as bigint[])) and paid + waived < amount"
            ),
            {"ids": _array(ids)},
        )
    )


def due_rows(session: Session, ids: Sequence[int]) -> dict[int, list[Row]]:
    """Return every due of the loans as plain rows, grouped by loan, in id order."""
    result: dict[int, list[Row]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.execute(
        select(
            LoanDue.id,
            LoanDue.loan_id,
            LoanDue.kind,
            LoanDue.installment,
            LoanDue.component,
            LoanDue.due_date,
            LoanDue.amount,
            LoanDue.paid,
            LoanDue.waived,
        )
        .where(LoanDue.loan_id.in_(list(ids)))
        .order_by(LoanDue.id)
    )
    for row in rows:
        result[row.loan_id].append(row)
    return result


def loans_paid_from(session: Session, ids: Sequence[int], day: date) -> set[int]:
    """Return the loans with a repayment dated ``day`` or later, posted or reversed.

    A reversed one counts too: its replay raised dues ahead of the day-end and the
    reversal's replay (which stops at the last day-end) leaves them for the day-end
    to rewrite from the allocations, which only the full path reads.
    """
    return set(
        session.scalars(
            text(
                "select distinct loan_id from repayment"
                " where loan_id = any(cast(:ids as bigint[])) and value_date >= :d"
            ),
            {"ids": _array(ids), "d": day},
        )
    )


# --- per-partition bulk writes ------------------------------------------------------


def _ledger_ids(session: Session, tenant_id: int) -> tuple[dict[str, int], int]:
    cache = session.info.setdefault("eod_ledger_ids", {})
    if tenant_id not in cache:
        accounts = dict(
            session.execute(
                select(LedgerAccount.code, LedgerAccount.id).where(
                    LedgerAccount.tenant_id == tenant_id
                )
            ).all()
        )
        owner = session.scalar(
            select(ExposureOwner.id).where(
                ExposureOwner.tenant_id == tenant_id, ExposureOwner.code == OWN_BOOK
            )
        )
        cache[tenant_id] = (accounts, owner)
    return cache[tenant_id]


def copy_journal(session: Session, tenant_id: int, journal: Journal, created_by: str) -> int:
    """Validate and store a many-loan journal, its postings by COPY; return its id.

    Every posting of an end-of-day journal is the own book's (co-lender splits are
    booked by their own flows). Raises UnbalancedJournalError before writing anything.
    """
    require_valid(journal)
    accounts, owner = _ledger_ids(session, tenant_id)
    journal_id = session.scalar(
        insert(JournalEntry)
        .values(
            tenant_id=tenant_id,
            kind=journal.kind,
            business_date=journal.business_date,
            description=journal.description,
            external_ref=journal.external_ref,
            created_by=created_by,
        )
        .returning(JournalEntry.id)
    )
    day = journal.business_date.isoformat()
    cursor = session.connection().connection.driver_connection.cursor()
    columns = (
        "tenant_id, journal_id, account_id, owner_id, loan_id, currency, amount, business_date"
    )
    with cursor.copy(f"copy ledger_posting ({columns}) from stdin") as copy:
        chunk = []
        for p in journal.postings:
            loan = "\\N" if p.loan_id is None else p.loan_id
            chunk.append(
                f"{tenant_id}\t{journal_id}\t{accounts[p.account]}\t{owner}\t{loan}"
                f"\t{p.currency}\t{p.amount}\t{day}\n"
            )
            if len(chunk) == 5000:
                copy.write("".join(chunk))
                chunk = []
        copy.write("".join(chunk))
    return journal_id


@dataclass(frozen=True, slots=True)
class NewDue:
    loan_id: int
    kind: str
    installment: int
    component: str
    due_date: date
    amount: Decimal


def insert_dues(session: Session, dues: Sequence[NewDue]) -> None:
    if dues:
        session.execute(
            insert(LoanDue),
            [
                {
                    "loan_id": d.loan_id,
                    "kind": d.kind,
                    "installment": d.installment,
                    "component": d.component,
                    "due_date": d.due_date,
                    "amount": d.amount,
                    "paid": Decimal(0),
                    "waived": Decimal(0),
                }
                for d in dues
            ],
        )


def set_due_amounts(session: Session, amounts: Sequence[tuple[int, Decimal]]) -> None:
    if amounts:
        session.execute(
            text(
                "update loan_due d set amount = v.amount from unnest(cast(:ids as bigint[]),"
                " cast(:amounts as numeric[])) as v(id, amount) where d.id = v.id"
            ),
            {"ids": _array(i for i, _ in amounts), "amounts": _array(a for _, a in amounts)},
        )


def insert_penal_charges(session: Session, rows: Sequence[tuple[int, date, int, Decimal]]) -> None:
    if rows:
        session.execute(
            insert(PenalCharge),
            [{"loan_id": loan, "day": d, "installment": i, "amount": a} for loan, d, i, a in rows],
        )


def insert_events(session: Session, rows: Sequence[tuple[int, date, str, dict[str, Any]]]) -> None:
    if rows:
        session.execute(
            insert(LoanEvent),
            [
                {"loan_id": loan, "business_date": d, "kind": k, "detail": x}
                for loan, d, k, x in rows
            ],
        )


@dataclass(frozen=True, slots=True)
class LoanDayEnd:
    loan_id: int
    dpd: int
    asset_class: str
    state: str
    npa_since: date | None


def _array(values: Iterable[Any]) -> str:
    """Return a PostgreSQL array literal (much faster to send than a bound list)."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


def close_loans(session: Session, day: date, ends: Sequence[LoanDayEnd]) -> None:
    """Record the day-end of ``day`` on every loan: through-dates, DPD and class."""
    if not ends:
        return
    session.execute(
        text(
            "update loan l set eod_through = :d, accrued_through = :d, dpd = v.dpd,"
            " asset_class = v.cls, state = v.state, npa_since = v.npa_since"
            " from unnest(cast(:ids as bigint[]), cast(:dpd as bigint[]), cast(:cls as text[]),"
            " cast(:state as text[]), cast(:npa as date[])) as v(id, dpd, cls, state, npa_since)"
            " where l.id = v.id"
        ),
        {
            "d": day,
            "ids": _array(e.loan_id for e in ends),
            "dpd": _array(e.dpd for e in ends),
            "cls": _array(e.asset_class for e in ends),
            "state": _array(e.state for e in ends),
            "npa": _array(e.npa_since for e in ends),
        },
    )
