"""All SQL of the mandate registry: mandates, their status history, cancellation requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms_core.collections.enums import CancellationStatus, MandateStatus
from lms_core.persistence.collections.models import (
    OPEN_CANCELLATION,
    Mandate,
    MandateCancellation,
    MandateEvent,
)


def add(session: Session, mandate: Mandate) -> Mandate:
    session.add(mandate)
    session.flush()
    return mandate


def get(session: Session, tenant_id: int, mandate_id: int, *, lock: bool = False) -> Mandate | None:
    stmt = select(Mandate).where(Mandate.id == mandate_id, Mandate.tenant_id == tenant_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def by_reference(session: Session, tenant_id: int, reference: str) -> Mandate | None:
    return session.scalar(
        select(Mandate).where(Mandate.tenant_id == tenant_id, Mandate.reference == reference)
    )


def by_request_ids(session: Session, tenant_id: int, request_ids: Iterable[str]) -> list[Mandate]:
    return list(
        session.scalars(
            select(Mandate).where(
                Mandate.tenant_id == tenant_id, Mandate.request_id.in_(list(request_ids))
            )
        )
    )


def by_references(
    session: Session, tenant_id: int, references: Sequence[str]
) -> dict[str, Mandate]:
    rows = session.scalars(
        select(Mandate).where(Mandate.tenant_id == tenant_id, Mandate.reference.in_(references))
    )
    return {m.reference: m for m in rows if m.reference}


def references_of(session: Session, tenant_id: int, ids: Sequence[int]) -> dict[int, str | None]:
    """Return mandate id -> reference (UMRN / UMN) for ``ids``."""
    rows = session.execute(
        select(Mandate.id, Mandate.reference).where(
            Mandate.tenant_id == tenant_id, Mandate.id.in_(list(ids))
        )
    )
    return {mandate_id: reference for mandate_id, reference in rows}


def list_mandates(
    session: Session,
    tenant_id: int,
    *,
    loan_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Mandate]:
    stmt = select(Mandate).where(Mandate.tenant_id == tenant_id)
    if loan_id is not None:
        stmt = stmt.where(Mandate.loan_id == loan_id)
    if status:
        stmt = stmt.where(Mandate.status == status)
    if kind:
        stmt = stmt.where(Mandate.kind == kind)
    return list(session.scalars(stmt.order_by(Mandate.id.desc()).limit(limit).offset(offset)))


def for_loan(
    session: Session, tenant_id: int, loan_id: int, *, lock: bool = False
) -> list[Mandate]:
    stmt = select(Mandate).where(Mandate.tenant_id == tenant_id, Mandate.loan_id == loan_id)
    if lock:
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt.order_by(Mandate.id)))


def _usable_on(day: date) -> Any:
    return (
        (Mandate.status == MandateStatus.REGISTERED)
        & (Mandate.start_date <= day)
        & or_(Mandate.end_date.is_(None), Mandate.end_date >= day)
    )


def active_for_loans(
    session: Session, tenant_id: int, loan_ids: Sequence[int], day: date, kinds: Sequence[str]
) -> dict[int, Mandate]:
    """Return the newest mandate usable on ``day`` per loan, among ``kinds``."""
    rows = session.scalars(
        select(Mandate)
        .where(
            Mandate.tenant_id == tenant_id,
            Mandate.loan_id.in_(list(loan_ids)),
            Mandate.kind.in_(list(kinds)),
            _usable_on(day),
        )
        .order_by(Mandate.loan_id, Mandate.id)
    )
    return {m.loan_id: m for m in rows}


def registered_loan_ids(
    session: Session, tenant_id: int, day: date, kinds: Sequence[str]
) -> list[int]:
    """Return the loans with a mandate of ``kinds`` usable on ``day``."""
    stmt = (
        select(Mandate.loan_id)
        .where(Mandate.tenant_id == tenant_id, Mandate.kind.in_(list(kinds)), _usable_on(day))
        .distinct()
    )
    return list(session.scalars(stmt))


def past_end(session: Session, tenant_id: int, day: date) -> list[Mandate]:
    """Return registered mandates whose end date is before ``day``."""
    return list(
        session.scalars(
            select(Mandate).where(
                Mandate.tenant_id == tenant_id,
                Mandate.status == MandateStatus.REGISTERED,
                Mandate.end_date < day,
            )
        )
    )


def add_event(session: Session, event: MandateEvent) -> None:
    session.add(event)
    session.flush()


def events(session: Session, mandate_ids: Sequence[int]) -> list[MandateEvent]:
    return list(
        session.scalars(
            select(MandateEvent)
            .where(MandateEvent.mandate_id.in_(list(mandate_ids)))
            .order_by(MandateEvent.mandate_id, MandateEvent.id)
        )
    )


def add_cancellation(session: Session, row: MandateCancellation) -> MandateCancellation:
    session.add(row)
    session.flush()
    return row


def open_cancellation(
    session: Session, mandate_id: int, *, lock: bool = False
) -> MandateCancellation | None:
    """Return the mandate's pending or sent cancellation request, or None."""
    stmt = select(MandateCancellation).where(
        MandateCancellation.mandate_id == mandate_id,
        MandateCancellation.status.in_([str(s) for s in OPEN_CANCELLATION]),
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def cancellations_of(session: Session, mandate_id: int) -> list[MandateCancellation]:
    stmt = select(MandateCancellation).where(MandateCancellation.mandate_id == mandate_id)
    return list(session.scalars(stmt.order_by(MandateCancellation.id)))


def cancellations_to_send(
    session: Session, tenant_id: int, rail: str, *, need_reference: bool = False
) -> list[tuple[MandateCancellation, Mandate]]:
    """Return pending requests of ``rail`` with their mandates, oldest first, locked
    (SKIP LOCKED: two runs never take the same request). ``need_reference``: only
    mandates whose UMRN is known (a pain.011 names the mandate by it)."""
    stmt = (
        select(MandateCancellation, Mandate)
        .join(Mandate, Mandate.id == MandateCancellation.mandate_id)
        .where(
            MandateCancellation.tenant_id == tenant_id,
            MandateCancellation.rail == rail,
            MandateCancellation.status == CancellationStatus.PENDING,
        )
        .order_by(MandateCancellation.id)
        .with_for_update(of=MandateCancellation, skip_locked=True)
    )
    if need_reference:
        stmt = stmt.where(Mandate.reference.is_not(None))
    return [(c, m) for c, m in session.execute(stmt)]


def cancellations_by_message_ids(
    session: Session, tenant_id: int, message_ids: Sequence[str]
) -> dict[str, MandateCancellation]:
    rows = session.scalars(
        select(MandateCancellation).where(
            MandateCancellation.tenant_id == tenant_id,
            MandateCancellation.message_id.in_(list(message_ids)),
        )
    )
    return {row.message_id: row for row in rows}
