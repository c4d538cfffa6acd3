"""All SQL of the bulk repayment path: set-based loads of many loans' state, COPY writes.

Loads take arrays of ids (``= any(:ids)``) so a batch of thousands of loans costs a
handful of queries; writes are COPY (new rows, ids taken from the tables' sequences
beforehand so rows can reference each other) and ``update ... from unnest(...)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from lms_core.ledger import OWN_BOOK
from lms_core.loans.loan_day import PlannedInstallment


def _q(session: Session, sql: str, **params: Any) -> list[Row]:
    # .all() fetches in one call; iterating the result fetches row by row (~3 us a row).
    return session.execute(text(sql), params).all()


def loans_by_refs(
    session: Session, tenant_id: int, ids: Sequence[int], numbers: Sequence[str]
) -> list[Row]:
    """Return (id, loan_number) of the tenant's loans named by id or by number."""
    return _q(
        session,
        "select id, loan_number from loan where tenant_id = :t "
        "and (id = any(:ids) or loan_number = any(:numbers))",
        t=tenant_id,
        ids=list(ids),
        numbers=list(numbers),
    )


def repayments_by_refs(session: Session, tenant_id: int, refs: Sequence[str]) -> list[Row]:
    """Return (external_ref, id, loan_id, amount) of repayments already posted under refs."""
    return _q(
        session,
        "select external_ref, id, loan_id, amount from repayment "
        "where tenant_id = :t and external_ref = any(:refs)",
        t=tenant_id,
        refs=list(refs),
    )


def lock_loan_states(session: Session, tenant_id: int, ids: Sequence[int]) -> list[Row]:
    """Lock the loans (in id order, so concurrent batches cannot deadlock); return state."""
    return _q(
        session,
        "select id, loan_number, branch_id, status, currency, disbursed_on, eod_through, "
        "asset_class, product_id, schedule_version, principal, advance from loan "
        "where tenant_id = :t and id = any(:ids) order by id for update",
        t=tenant_id,
        ids=list(ids),
    )


def product_rules(session: Session, product_ids: Iterable[int]) -> dict[int, dict]:
    rows = _q(session, "select id, rules from product where id = any(:ids)", ids=list(product_ids))
    return {pid: rules for pid, rules in rows}


def loans_with_repayments_from(session: Session, ids: Sequence[int], day: date) -> set[int]:
    """Return the loans holding a posted repayment valued on or after ``day``."""
    rows = _q(
        session,
        "select distinct loan_id from repayment "
        "where loan_id = any(:ids) and status = 'posted' and value_date >= :d",
        ids=list(ids),
        d=day,
    )
    return {r[0] for r in rows}


def loans_with_balance(
    session: Session, tenant_id: int, ids: Sequence[int], account: str
) -> set[int]:
    """Return the loans whose own-book balance on ``account`` is not zero."""
    rows = _q(
        session,
        "select p.loan_id from ledger_posting p "
        "join ledger_account a on a.id = p.account_id and a.code = :acc "
        "join exposure_owner o on o.id = p.owner_id and o.code = :own "
        "where p.tenant_id = :t and p.loan_id = any(:ids) "
        "group by p.loan_id having sum(p.amount) <> 0",
        t=tenant_id,
        ids=list(ids),
        acc=account,
        own=OWN_BOOK,
    )
    return {r[0] for r in rows}


def plans_through(
    session: Session, versions: dict[int, int], day: date
) -> dict[int, list[PlannedInstallment]]:
    """Return each loan's current-schedule installments due on or before ``day``."""
    rows = _q(
        session,
        "select s.loan_id, s.number, s.period_start, s.due_date, s.principal, s.interest, s.fees "
        "from schedule_line s join unnest(cast(:ids as bigint[]), cast(:vs as bigint[])) "
        "as w(loan_id, version) on w.loan_id = s.loan_id and w.version = s.version "
        "where s.due_date <= :d order by s.loan_id, s.number",
        ids=list(versions),
        vs=list(versions.values()),
        d=day,
    )
    result: dict[int, list[PlannedInstallment]] = defaultdict(list)
    for loan_id, *line in rows:
        result[loan_id].append(PlannedInstallment(*line))
    return result


def due_rows(session: Session, ids: Sequence[int]) -> dict[int, list[Row]]:
    """Return each loan's dues: (id, kind, installment, component, due_date, amount, paid,
    waived), in id order."""
    rows = _q(
        session,
        "select loan_id, id, kind, installment, component, due_date, amount, paid, waived "
        "from loan_due where loan_id = any(:ids) order by loan_id, id",
        ids=list(ids),
    )
    result: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        result[row[0]].append(row)
    return result


def next_ids(session: Session, table: str, n: int) -> list[int]:
    """Take ``n`` ids from ``table``'s id sequence."""
    if n == 0:
        return []
    # One row holding an array (parsed in C, not n rows through the ORM); the sequence
    # is looked up once, not once per id.
    ids = session.execute(
        text(
            "select array_agg(nextval(s.seq)) from generate_series(1, :n), "
            "(select cast(pg_get_serial_sequence(:t, 'id') as regclass) as seq) as s"
        ),
        {"t": table, "n": n},
    ).scalar_one()
    return list(ids)


def ledger_ids(session: Session, tenant_id: int) -> tuple[dict[str, int], int]:
    """Return the tenant's account ids by code and its own-book owner id."""
    accounts = dict(
        _q(session, "select code, id from ledger_account where tenant_id = :t", t=tenant_id)
    )
    owner = session.execute(
        text("select id from exposure_owner where tenant_id = :t and code = :c"),
        {"t": tenant_id, "c": OWN_BOOK},
    ).scalar_one()
    return accounts, owner


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """COPY ``rows`` into ``table`` (psycopg adapts each value); return how many were written."""
    cursor = session.connection().connection.driver_connection.cursor()
    written = 0
    with cursor.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def update_dues(session: Session, rows: Sequence[tuple[int, Decimal, Decimal]]) -> None:
    """Set (id, amount, paid) on existing dues."""
    if rows:
        ids, amounts, paid = zip(*rows, strict=True)
        session.execute(
            text(
                "update loan_due d set amount = u.amount, paid = u.paid from unnest("
                "cast(:ids as bigint[]), cast(:amounts as numeric[]), cast(:paid as numeric[])) "
                "as u(id, amount, paid) where d.id = u.id"
            ),
            {"ids": list(ids), "amounts": list(amounts), "paid": list(paid)},
        )


def update_loans(session: Session, rows: Sequence[tuple[int, Decimal, str, date | None]]) -> None:
    """Set (id, advance, status, closed_on) on loans."""
    if rows:
        ids, advance, status, closed = zip(*rows, strict=True)
        session.execute(
            text(
                "update loan l set advance = u.advance, status = u.status, closed_on = u.closed "
                "from unnest(cast(:ids as bigint[]), cast(:adv as numeric[]), "
                "cast(:st as text[]), cast(:cl as date[])) as u(id, advance, status, closed) "
                "where l.id = u.id"
            ),
            {"ids": list(ids), "adv": list(advance), "st": list(status), "cl": list(closed)},
        )
