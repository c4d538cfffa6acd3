"""All SQL of one partition's day-end: the bulk loads and the bulk writes.

A partition's day-end reads each table once for all its loans (loans locked ``FOR
UPDATE``, the accruing schedule line, the unpaid dues, repayments dated from the day
on) and writes once: one journal with every loan's lines (postings by COPY), new dues,
penal charges and events by COPY, loan fields by one ``UPDATE`` for the quiet loans and
one ``UPDATE ... FROM unnest`` for the others. Reads return plain rows, not ORM
objects: a million ORM objects a day would cost more than the day-end itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, insert, select, text
from sqlalchemy.orm import Session

from lms_core.ledger import OWN_BOOK, Journal, LedgerProblem, UnbalancedJournalError, require_valid
from lms_core.ledger.lines import ACCRUAL
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.persistence.loans.models import Product
from lms_core.persistence.platform.models import ExposureOwner, JournalEntry, LedgerAccount

# A quiet loan's day accrual: (loan id, currency, amount), written as the pair
# lms_core.ledger.lines.ACCRUAL (Dr INTEREST_RECEIVABLE / Cr INTEREST_INCOME). Plain
# tuples: there is one per loan.
Accrual = tuple[int, str, Decimal]

_NULL = "\\N"  # NULL in COPY text format

# --- loads --------------------------------------------------------------------------

LOAN_COLUMNS = (
    "id, product_id, currency, schedule_version, status, asset_class, dpd, npa_since,"
    " accrued_through, eod_through"
)


def _array(values: Iterable[Any]) -> str:
    """Return a PostgreSQL array literal (much faster to send than a bound list)."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


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
    """Return each loan's first schedule line due on or after ``day`` (the accruing one).

    Ordered by due date (an installment falls due after the one before it), so the
    lookup is one probe of ``ix_schedule_line_due``.
    """
    if not loans:
        return {}
    rows = session.execute(
        text(
            "select l.id, s.number, s.period_start, s.due_date, s.principal, s.interest, s.fees"
            " from unnest(cast(:ids as bigint[]), cast(:versions as bigint[])) as l(id, v)"
            " cross join lateral (select * from schedule_line s where s.loan_id = l.id"
            "  and s.version = l.v and s.due_date >= :d order by s.due_date, s.number limit 1) s"
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
        text(
            "select id, loan_id, kind, installment, component, due_date, amount, paid, waived"
            " from loan_due where loan_id = any(cast(:ids as bigint[])) order by id"
        ),
        {"ids": _array(ids)},
    )
    for row in rows:
        result[row.loan_id].append(row)
    return result


def loans_paid_from(session: Session, ids: Sequence[int], day: date) -> set[int]:
    """Return the loans with a repayment dated ``day`` or later, posted or reversed.

    Such a loan's day reads its allocations, which only the full path loads; a reversed
    one is kept with them so the day-end replays the same payments the reversal did.
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


# --- writes -------------------------------------------------------------------------


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


def copy_journal(
    session: Session,
    tenant_id: int,
    journal: Journal,
    created_by: str,
    accruals: Sequence[Accrual] = (),
) -> int:
    """Store a many-loan journal, its postings by COPY; return its id.

    ``journal`` holds the postings built as values (validated first: raises
    UnbalancedJournalError before writing anything); ``accruals`` are the quiet loans'
    day accruals, each written as the pair :data:`lms_core.ledger.lines.ACCRUAL`
    (Dr INTEREST_RECEIVABLE / Cr INTEREST_INCOME), balanced by construction. Once
    written, the journal is summed per currency in the database and
    UnbalancedJournalError raised if any sum is not zero, so a fault in either part
    shows as an error, never as a ledger that does not balance. Every posting is the
    own book's (co-lender splits are booked by their own flows).
    """
    if journal.postings:
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
    head, tail = f"{tenant_id}\t{journal_id}\t", f"\t{journal.business_date.isoformat()}\n"
    lines = [
        f"{head}{accounts[p.account]}\t{owner}\t{_NULL if p.loan_id is None else p.loan_id}"
        f"\t{p.currency}\t{p.amount}{tail}"
        for p in journal.postings
    ]
    dr = f"{head}{accounts[ACCRUAL[0]]}\t{owner}\t"
    cr = f"{head}{accounts[ACCRUAL[1]]}\t{owner}\t"
    lines += [
        f"{dr}{loan}\t{currency}\t{amount}{tail}{cr}{loan}\t{currency}\t{-amount}{tail}"
        for loan, currency, amount in accruals
    ]
    cursor = session.connection().connection.driver_connection.cursor()
    columns = (
        "tenant_id, journal_id, account_id, owner_id, loan_id, currency, amount, business_date"
    )
    with cursor.copy(f"copy ledger_posting ({columns}) from stdin") as copy:
        for start in range(0, len(lines), 5000):
            copy.write("".join(lines[start : start + 5000]))
    require_balanced(session, journal_id)
    return journal_id


def require_balanced(session: Session, journal_id: int) -> None:
    """Raise UnbalancedJournalError unless the stored journal sums to zero per currency."""
    gaps = session.execute(
        text(
            "select currency, sum(amount) from ledger_posting where journal_id = :j"
            " group by currency having sum(amount) <> 0"
        ),
        {"j": journal_id},
    ).all()
    if gaps:
        raise UnbalancedJournalError(
            [
                LedgerProblem("postings", f"unbalanced in {c}: debits exceed credits by {d}")
                for c, d in gaps
            ]
        )


def _copy_rows(session: Session, table: str, columns: str, rows: Iterable[Sequence]) -> None:
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"copy {table} ({columns}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)


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
        _copy_rows(
            session,
            "loan_due",
            "loan_id, kind, installment, component, due_date, amount, paid, waived",
            (
                (d.loan_id, d.kind, d.installment, d.component, d.due_date, d.amount, 0, 0)
                for d in dues
            ),
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
        _copy_rows(session, "penal_charge", "loan_id, day, installment, amount", rows)


def insert_events(session: Session, rows: Sequence[tuple[int, date, str, dict[str, Any]]]) -> None:
    if rows:
        _copy_rows(
            session,
            "loan_event",
            "loan_id, business_date, kind, detail",
            ((loan, d, kind, json.dumps(detail)) for loan, d, kind, detail in rows),
        )


@dataclass(frozen=True, slots=True)
class LoanDayEnd:
    loan_id: int
    dpd: int
    asset_class: str
    state: str
    npa_since: date | None


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


def close_quiet_loans(session: Session, day: date, ids: Sequence[int]) -> None:
    """Record the day-end of ``day`` on quiet loans: through-dates; DPD 0, standard."""
    if ids:
        session.execute(
            text(
                "update loan set eod_through = :d, accrued_through = :d, dpd = 0,"
                " asset_class = 'standard', state = 'standard'"
                " where id = any(cast(:ids as bigint[]))"
            ),
            {"d": day, "ids": _array(ids)},
        )
