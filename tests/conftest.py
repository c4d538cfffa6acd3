"""Shared fixtures: a migrated real PostgreSQL, one rolled-back transaction per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from hub.app.api import create_app
from hub.platform.config import load_settings
from hub.platform.http.deps import get_session
from tests.support.db import drop_database, fresh_database
from tests.support.factories import TEST_SECRET, make_tenant, make_user

# Shared fixtures for every folder: clock, cipher, session factory, and the dashboard's
# (signed-in client, live server, browser).
pytest_plugins = ["tests.support.fixtures", "tests.support.web", "tests.support.browser"]


def unique_db_name(purpose: str) -> str:
    """A database name no other test process uses (parallel runs share one server)."""
    return f"sangam_test_{purpose}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def db_url() -> Iterator[str]:
    name = unique_db_name("main")
    yield fresh_database(name)
    drop_database(name)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_engine(db_url, pool_size=5)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: with ``create_savepoint`` its commits end savepoints,
    and the outer transaction still rolls everything back.
    """
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        jwt_secret=TEST_SECRET, data_dir=tmp_path, environment="test", log_json=False
    )


@pytest.fixture
def app(settings, db: Session):
    api = create_app(settings, session_factory=None)  # type: ignore[arg-type]

    def _session() -> Iterator[Session]:
        yield db
        db.flush()

    api.dependency_overrides[get_session] = _session
    return api


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tenant(db: Session):
    return make_tenant(db)


@pytest.fixture
def admin(db: Session, tenant):
    return make_user(db, tenant)
