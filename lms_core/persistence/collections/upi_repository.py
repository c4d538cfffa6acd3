"""All SQL of UPI AutoPay: PSP mandate detail, cycles, debit attempts, the event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from lms_core.persistence.collections.models import Mandate
from lms_core.persistence.collections.upi_models import UpiCycle, UpiDebit, UpiEventLog, UpiMandate


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def upi_mandate(session: Session, mandate_id: int, *, lock: bool = False) -> UpiMandate | None:
    stmt = select(UpiMandate).where(UpiMandate.mandate_id == mandate_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def mandate_by_request_id(
    session: Session, tenant_id: int, request_id: str, *, lock: bool = False
) -> Mandate | None:
    stmt = select(Mandate).where(Mandate.tenant_id == tenant_id, Mandate.request_id == request_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def cycle_by_key(session: Session, mandate_id: int, key: str) -> UpiCycle | None:
    return session.scalar(
        select(UpiCycle).where(UpiCycle.mandate_id == mandate_id, UpiCycle.cycle_key == key)
    )


def cycle(
    session: Session, tenant_id: int, cycle_id: int, *, lock: bool = False
) -> UpiCycle | None:
    stmt = select(UpiCycle).where(UpiCycle.id == cycle_id, UpiCycle.tenant_id == tenant_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def cycle_by_reference(
    session: Session, tenant_id: int, reference: str, *, lock: bool = False
) -> UpiCycle | None:
    stmt = select(UpiCycle).where(UpiCycle.tenant_id == tenant_id, UpiCycle.reference == reference)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def debit_by_reference(
    session: Session, tenant_id: int, reference: str, *, lock: bool = False
) -> UpiDebit | None:
    stmt = select(UpiDebit).where(UpiDebit.tenant_id == tenant_id, UpiDebit.reference == reference)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def debits_of_cycles(session: Session, cycle_ids: Sequence[int]) -> list[UpiDebit]:
    return list(
        session.scalars(
            select(UpiDebit)
            .where(UpiDebit.cycle_id.in_(list(cycle_ids)))
            .order_by(UpiDebit.cycle_id, UpiDebit.attempt)
        )
    )


def cycles_due(session: Session, tenant_id: int, day: date, statuses: Sequence[str]) -> list[int]:
    """Return ids of cycles in ``statuses`` whose debit date is on or before ``day``."""
    return list(
        session.scalars(
            select(UpiCycle.id)
            .where(
                UpiCycle.tenant_id == tenant_id,
                UpiCycle.status.in_(list(statuses)),
                UpiCycle.debit_date <= day,
            )
            .order_by(UpiCycle.debit_date, UpiCycle.id)
        )
    )


def cycles(
    session: Session,
    tenant_id: int,
    *,
    mandate_id: int | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[UpiCycle]:
    stmt = select(UpiCycle).where(UpiCycle.tenant_id == tenant_id)
    if mandate_id is not None:
        stmt = stmt.where(UpiCycle.mandate_id == mandate_id)
    if status:
        stmt = stmt.where(UpiCycle.status == status)
    stmt = stmt.order_by(UpiCycle.debit_date.desc(), UpiCycle.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def upi_mandates(
    session: Session,
    tenant_id: int,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[Mandate, UpiMandate]]:
    stmt = (
        select(Mandate, UpiMandate)
        .join(UpiMandate, UpiMandate.mandate_id == Mandate.id)
        .where(Mandate.tenant_id == tenant_id)
    )
    if status:
        stmt = stmt.where(Mandate.status == status)
    stmt = stmt.order_by(Mandate.id.desc()).limit(limit).offset(offset)
    return [(m, u) for m, u in session.execute(stmt)]


def status_counts(session: Session, tenant_id: int) -> dict[str, int]:
    """Return how many UPI cycles are in each status."""
    rows = session.execute(
        select(UpiCycle.status, func.count())
        .where(UpiCycle.tenant_id == tenant_id)
        .group_by(UpiCycle.status)
    )
    return {status: count for status, count in rows}


def log_event(session: Session, values: dict) -> int | None:
    """Insert an event log row unless (tenant, counterpart, event id) is known; return id."""
    stmt = (
        insert(UpiEventLog)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "counterpart_id", "event_id"])
        .returning(UpiEventLog.id)
    )
    return session.scalar(stmt)


def events_for(session: Session, tenant_id: int, subject: str) -> list[UpiEventLog]:
    return list(
        session.scalars(
            select(UpiEventLog)
            .where(UpiEventLog.tenant_id == tenant_id, UpiEventLog.subject == subject)
            .order_by(UpiEventLog.occurred_at, UpiEventLog.id)
        )
    )


def set_event_outcome(
    session: Session, event_row_id: int, outcome: str, detail: str | None, subject: str | None
) -> None:
    row = session.get(UpiEventLog, event_row_id)
    if row is not None:
        row.outcome, row.subject = outcome, subject
        row.detail = detail[:300] if detail else None
