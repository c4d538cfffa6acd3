"""SQL of reconciliation's two sides: accounts, statements, actual and expected items.

The matching run's set-based SQL (claims, breaks, suggestions) lives in
:mod:`lms_core.persistence.recon.recon_repository`. Actual items are written with COPY into a
temporary table and one ``INSERT ... ON CONFLICT (tenant_id, line_key) DO NOTHING``, so a
statement re-applied (inbox reprocess) adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from lms_core.persistence.recon.models import (
    ReconAccount,
    ReconActualItem,
    ReconBreak,
    ReconExpectedItem,
    ReconRun,
    ReconStatement,
    ReconSuggestion,
)
from lms_core.persistence.recon.recon_repository import copy_rows
from lms_core.recon.enums import BreakStatus, StatementStatus

# --- accounts -------------------------------------------------------------------------


def add_account(
    session: Session, tenant_id: int, account_no: str, bank: str, name: str, currency: str
) -> ReconAccount:
    row = ReconAccount(
        tenant_id=tenant_id, account_no=account_no, bank=bank, name=name, currency=currency
    )
    session.add(row)
    session.flush()
    return row


def account_by_no(
    session: Session, tenant_id: int, account_no: str, *, lock: bool = False
) -> ReconAccount | None:
    stmt = select(ReconAccount).where(
        ReconAccount.tenant_id == tenant_id, ReconAccount.account_no == account_no
    )
    return session.scalar(stmt.with_for_update() if lock else stmt)


def accounts(session: Session, tenant_id: int) -> list[ReconAccount]:
    stmt = select(ReconAccount).where(ReconAccount.tenant_id == tenant_id)
    return list(session.scalars(stmt.order_by(ReconAccount.account_no)))


# --- expected side ----------------------------------------------------------------------


def insert_expected(
    session: Session, tenant_id: int, source: str, reference: str, fields: dict[str, Any]
) -> ReconExpectedItem:
    """Insert the item unless ``(tenant, source, reference)`` exists; return the stored row."""
    stmt = (
        pg_insert(ReconExpectedItem)
        .values(tenant_id=tenant_id, source=source, reference=reference, status="open", **fields)
        .on_conflict_do_nothing(index_elements=["tenant_id", "source", "reference"])
        .returning(ReconExpectedItem.id)
    )
    session.execute(stmt)
    found = expected_by_ref(session, tenant_id, source, reference)
    assert found is not None  # inserted now or by whoever won the conflict
    return found


def expected_by_ref(
    session: Session, tenant_id: int, source: str, reference: str
) -> ReconExpectedItem | None:
    return session.scalar(
        select(ReconExpectedItem).where(
            ReconExpectedItem.tenant_id == tenant_id,
            ReconExpectedItem.source == source,
            ReconExpectedItem.reference == reference,
        )
    )


def list_expected(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    source: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReconExpectedItem]:
    stmt = select(ReconExpectedItem).where(ReconExpectedItem.tenant_id == tenant_id)
    if status:
        stmt = stmt.where(ReconExpectedItem.status == status)
    if source:
        stmt = stmt.where(ReconExpectedItem.source == source)
    stmt = stmt.order_by(ReconExpectedItem.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def expected_items(session: Session, tenant_id: int, ids: Sequence[int]) -> list[ReconExpectedItem]:
    stmt = select(ReconExpectedItem).where(
        ReconExpectedItem.tenant_id == tenant_id, ReconExpectedItem.id.in_(list(ids))
    )
    return list(session.scalars(stmt.order_by(ReconExpectedItem.id)))


def close_breaks_of_expected(session: Session, ids: Sequence[int], today: date | None) -> None:
    session.execute(
        update(ReconBreak)
        .where(ReconBreak.expected_item_id.in_(list(ids)), ReconBreak.status == BreakStatus.OPEN)
        .values(status=BreakStatus.CLOSED, closed_on=today)
    )


# --- statements and actual items ----------------------------------------------------------


def statement_by_sequence(
    session: Session, account_id: int, sequence_no: int
) -> ReconStatement | None:
    return session.scalar(
        select(ReconStatement).where(
            ReconStatement.account_id == account_id, ReconStatement.sequence_no == sequence_no
        )
    )


def statement_sequences(session: Session, account_id: int) -> set[int]:
    stmt = select(ReconStatement.sequence_no).where(
        ReconStatement.account_id == account_id, ReconStatement.sequence_no.is_not(None)
    )
    return set(session.scalars(stmt))


def add_statement(session: Session, **values: Any) -> ReconStatement:
    row = ReconStatement(**values)
    session.add(row)
    session.flush()
    return row


def held_statements(session: Session, account_id: int) -> list[ReconStatement]:
    stmt = select(ReconStatement).where(
        ReconStatement.account_id == account_id, ReconStatement.status == StatementStatus.HELD
    )
    return list(session.scalars(stmt.order_by(ReconStatement.sequence_no)))


def release_statement(session: Session, statement_id: int) -> None:
    """Mark a held statement accepted and let its lines into matching."""
    session.execute(
        update(ReconStatement)
        .where(ReconStatement.id == statement_id)
        .values(status=StatementStatus.ACCEPTED, hold_reason=None)
    )
    session.execute(
        update(ReconActualItem)
        .where(ReconActualItem.statement_id == statement_id)
        .values(held=False)
    )


ACTUAL_COLUMNS = (
    "tenant_id", "account_id", "statement_id", "inbox_item_id", "kind", "line_no", "line_key",
    "direction", "amount", "currency", "value_date", "booking_date", "utr", "rail", "our_ref",
    "bank_ref", "narration", "counterparty", "held",
)  # fmt: skip


def insert_actual_items(session: Session, rows: Iterable[Sequence]) -> tuple[int, list[str]]:
    """Insert actual items (tuples in :data:`ACTUAL_COLUMNS` order) once per line key.

    Returns (how many were new, the line keys already stored).
    """
    session.execute(
        text(
            "create temp table if not exists recon_actual_stage "
            "(like recon_actual_item including defaults) on commit drop"
        )
    )
    session.execute(text("truncate recon_actual_stage"))
    staged = copy_rows(session, "recon_actual_stage", ACTUAL_COLUMNS, rows)
    cols = ", ".join(ACTUAL_COLUMNS)
    inserted = session.execute(
        text(
            f"insert into recon_actual_item ({cols}) select {cols} from recon_actual_stage "
            "order by line_no on conflict (tenant_id, line_key) do nothing returning line_key"
        )
    ).scalars()
    new = set(inserted)
    if len(new) == staged:
        return staged, []
    keys = session.execute(text("select line_key from recon_actual_stage")).scalars()
    return len(new), [k for k in keys if k not in new]


def actual_item(session: Session, tenant_id: int, item_id: int) -> ReconActualItem | None:
    return session.scalar(
        select(ReconActualItem).where(
            ReconActualItem.tenant_id == tenant_id, ReconActualItem.id == item_id
        )
    )


def actual_items(session: Session, tenant_id: int, ids: Sequence[int]) -> list[ReconActualItem]:
    stmt = select(ReconActualItem).where(
        ReconActualItem.tenant_id == tenant_id, ReconActualItem.id.in_(list(ids))
    )
    return list(session.scalars(stmt.order_by(ReconActualItem.id)))


def list_statements(
    session: Session, tenant_id: int, *, limit: int = 100, offset: int = 0
) -> list[tuple[ReconStatement, str]]:
    stmt = (
        select(ReconStatement, ReconAccount.account_no)
        .join(ReconAccount, ReconAccount.id == ReconStatement.account_id)
        .where(ReconStatement.tenant_id == tenant_id)
        .order_by(ReconStatement.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(s, no) for s, no in session.execute(stmt)]


def statement_lines(session: Session, tenant_id: int, statement_id: int) -> list[ReconActualItem]:
    stmt = select(ReconActualItem).where(
        ReconActualItem.tenant_id == tenant_id, ReconActualItem.statement_id == statement_id
    )
    return list(session.scalars(stmt.order_by(ReconActualItem.line_no)))


def count_actual(session: Session, tenant_id: int) -> int:
    stmt = select(func.count()).where(ReconActualItem.tenant_id == tenant_id)
    return session.scalar(stmt) or 0


# --- runs, breaks and candidates (read side) ------------------------------------------------


def runs(session: Session, tenant_id: int, limit: int) -> list[ReconRun]:
    stmt = select(ReconRun).where(ReconRun.tenant_id == tenant_id)
    return list(session.scalars(stmt.order_by(ReconRun.id.desc()).limit(limit)))


_BREAKS = """
select b.*, coalesce(acc.account_no, e.account) as account,
       coalesce(e.source, a.kind) as source,
       coalesce(e.reference, a.utr, a.our_ref, a.bank_ref) as reference
from recon_break b
left join recon_actual_item a on a.id = b.actual_item_id
left join recon_account acc on acc.id = a.account_id
left join recon_expected_item e on e.id = b.expected_item_id
where b.tenant_id = :t
"""


def break_rows(session: Session, tenant_id: int, filters: Any) -> list[Any]:
    """Breaks matching ``filters`` (status, side, reason, source, account, amounts)."""
    sql, params = _BREAKS, {"t": tenant_id}
    wanted = {
        "b.status": filters.status,
        "b.side": filters.side,
        "b.reason": filters.reason,
        "coalesce(e.source, a.kind)": filters.source,
        "coalesce(acc.account_no, e.account)": filters.account,
    }
    for index, (column, value) in enumerate(wanted.items()):
        if value:
            sql += f" and {column} = :f{index}"
            params[f"f{index}"] = value
    if filters.min_amount is not None:
        sql, params["lo"] = sql + " and b.amount >= :lo", filters.min_amount
    if filters.max_amount is not None:
        sql, params["hi"] = sql + " and b.amount <= :hi", filters.max_amount
    return list(session.execute(text(sql + " order by b.opened_on, b.id"), params))


def break_row(session: Session, tenant_id: int, break_id: int) -> Any:
    return session.execute(
        text(_BREAKS + " and b.id = :b"), {"t": tenant_id, "b": break_id}
    ).first()


def expected_candidates(session: Session, tenant_id: int, brk: Any) -> list[ReconExpectedItem]:
    """Open expected items with the break's amount and direction within 7 days of it."""
    stmt = select(ReconExpectedItem).where(
        ReconExpectedItem.tenant_id == tenant_id,
        ReconExpectedItem.status == "open",
        ReconExpectedItem.direction == brk.direction,
        ReconExpectedItem.amount == brk.amount,
        ReconExpectedItem.expected_on.between(
            brk.opened_on - timedelta(days=7), brk.opened_on + timedelta(days=7)
        ),
    )
    return list(session.scalars(stmt.order_by(ReconExpectedItem.id).limit(20)))


def actual_candidates(session: Session, tenant_id: int, brk: Any) -> list[ReconActualItem]:
    """Open bank lines with the break's amount and direction within 7 days of it."""
    stmt = select(ReconActualItem).where(
        ReconActualItem.tenant_id == tenant_id,
        ReconActualItem.matched_group_id.is_(None),
        ReconActualItem.corroborates_id.is_(None),
        ReconActualItem.direction == brk.direction,
        ReconActualItem.amount == brk.amount,
        ReconActualItem.value_date.between(
            brk.opened_on - timedelta(days=7), brk.opened_on + timedelta(days=7)
        ),
    )
    return list(session.scalars(stmt.order_by(ReconActualItem.id).limit(20)))


def suggestions_for(session: Session, tenant_id: int, brk: Any) -> list[ReconSuggestion]:
    stmt = select(ReconSuggestion).where(ReconSuggestion.tenant_id == tenant_id)
    if brk.actual_item_id is not None:
        stmt = stmt.where(ReconSuggestion.actual_ids.any(brk.actual_item_id))
    else:
        stmt = stmt.where(ReconSuggestion.expected_ids.any(brk.expected_item_id))
    return list(session.scalars(stmt.order_by(ReconSuggestion.id)))
