"""Fixtures every folder may use: the fake clock, a secrets cipher, session factories.

``factory`` makes sessions on the ``db`` fixture's connection, so workers that commit
still end inside the test's rolled-back transaction. A folder whose scenario needs
another start time overrides ``clock`` in its own conftest.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from hub.integration.counterparts import Cipher
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def cipher() -> Cipher:
    return Cipher(Fernet.generate_key().decode())


@pytest.fixture
def factory(db: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
