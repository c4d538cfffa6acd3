"""Seeded state built once per test module, each test running in a savepoint rolled back.

Some scenarios need a long history before the test starts (an NPA loan is 120 day-ends
away from its disbursement). Building it in every test is most of the suite's time.
:func:`seeded_module` makes module-scoped fixtures instead: ``seeded`` builds the state
once on one connection, inside a transaction that is rolled back after the module's last
test; ``db`` (overriding the per-test one) gives each test a session inside a savepoint
of that transaction, rolled back after the test, so tests still cannot see each other's
writes. The state is what ``build(session)`` returns (ids, not ORM objects: each test
reloads what it needs in its own session).

    seeded_world, seeded, db, tenant = seeded_module(build_npa_world)   # in the module
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lms_core.persistence.platform.models import Tenant


def _session(connection) -> Session:
    return Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def seeded_module(build: Callable[[Session], Any]) -> tuple[Any, Any, Any, Any]:
    """Return the fixtures ``seeded_world`` (module scope), ``seeded`` (the state), ``db``
    and ``tenant`` (per test; ``build`` returns a dict with ``tenant_id``) for ``build``.

    Assign all four in the test module: ``seeded_world, seeded, db, tenant = ...``.
    """

    @pytest.fixture(scope="module")
    def seeded_world(engine: Engine) -> Iterator[tuple[Any, Any]]:
        connection = engine.connect()
        outer = connection.begin()
        session = _session(connection)
        try:
            state = build(session)
            session.commit()  # releases the session's savepoint: the state stays in ``outer``
            session.close()
            yield connection, state
        finally:
            outer.rollback()
            connection.close()

    @pytest.fixture
    def seeded(seeded_world) -> Any:
        return seeded_world[1]

    @pytest.fixture
    def db(seeded_world) -> Iterator[Session]:
        connection = seeded_world[0]
        savepoint = connection.begin_nested()
        session = _session(connection)
        try:
            yield session
        finally:
            session.close()
            if savepoint.is_active:
                savepoint.rollback()

    @pytest.fixture
    def tenant(db, seeded) -> Tenant:
        return db.get(Tenant, seeded["tenant_id"])

    return seeded_world, seeded, db, tenant
