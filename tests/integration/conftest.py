"""Hub fixtures: committed tenants (``clock``, ``cipher``, ``factory``: tests/support).

``committed`` is for tests where
several threads or processes must see each other's commits: it creates its own tenant
and deletes every row of it afterwards (it never writes the append-only tables).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from lms_core.persistence.platform import tenant_repository

_seq = itertools.count(1)


@dataclass(frozen=True)
class Committed:
    factory: sessionmaker[Session]
    tenant_id: int
    tenant_code: str
    url: str


_HUB_TABLES = (
    "inbox_record_outcome",
    "inbound_record",
    "outbound_attempt",
    "outbound_message",
    "inbox_item",
    "inbox_blob",
    "counterpart",
    "schedule_fire",
    "idempotency_record",
)


@pytest.fixture
def committed(engine, db_url) -> Iterator[Committed]:
    """A tenant whose rows really commit; removed with all its hub rows afterwards."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        code = f"hubc{next(_seq)}x{datetime.now(UTC).strftime('%H%M%S%f')}"
        tenant = tenant_repository.create_tenant(session, code, code, date(2024, 4, 1))
        session.commit()
        tenant_id = tenant.id
    try:
        yield Committed(factory, tenant_id, code, db_url)
    finally:
        with factory() as session:
            for table in _HUB_TABLES:
                session.execute(text(f"delete from {table} where tenant_id = :t"), {"t": tenant_id})
            session.execute(
                text("delete from procrastinate_jobs where args->>'tenant_id' = :t"),
                {"t": str(tenant_id)},
            )
            session.execute(
                text("delete from business_date where tenant_id = :t"), {"t": tenant_id}
            )
            session.execute(text("delete from tenant where id = :t"), {"t": tenant_id})
            session.commit()


from tests.integration.test_hub_api import cipher_, scene  # noqa: E402, F401  (hub pages' scene)
