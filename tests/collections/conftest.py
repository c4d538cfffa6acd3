"""Collections fixtures: the sponsor bank sandbox on real SFTP, its counterpart, loans.

``rt`` runs the NACH steps on the test's connection (savepoints), with a clock set to
08:30 IST, before the bank's 10:30 cut-off. ``nach_bank`` is the sandbox; tests call
``nach_bank.bank.process()`` to make the bank answer (no polling thread).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from connectors.nach.sandbox import NachBankBehaviour, NachBankSandbox
from connectors.sdk.sandbox.sftp_server import SandboxUser
from hub.collections.mandates import AccountCipher
from hub.collections.nach.cycle import NachRuntime
from hub.integration import counterparts as cp
from tests.support.clock import FakeClock

PASSWORD = "nach-pw"
BANK = "sbi_nach"


@pytest.fixture(scope="session")
def account_cipher() -> AccountCipher:
    return AccountCipher(Fernet.generate_key().decode())


@pytest.fixture(scope="session")
def secrets_cipher() -> cp.Cipher:
    return cp.Cipher(Fernet.generate_key().decode())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 2, 1, 3, 0, tzinfo=UTC))  # 08:30 IST


@pytest.fixture
def nach_bank(tmp_path):
    behaviour = NachBankBehaviour(seed=7, returns={}, mandate_reject_share=0.0)
    sandbox = NachBankSandbox(tmp_path / "sftp", SandboxUser("bank", PASSWORD), behaviour)
    sandbox.start(poll=False)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def bank(db, tenant, secrets_cipher, nach_bank):
    return cp.register(
        db,
        secrets_cipher,
        tenant.id,
        BANK,
        kind="nach_sponsor_bank",
        connector="nach_sponsor_bank",
        config=nach_bank.counterpart_config(),
        secrets={"password": PASSWORD},
    )


@pytest.fixture
def rt(db: Session, account_cipher, secrets_cipher, clock) -> NachRuntime:
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return NachRuntime(factory, account_cipher, secrets_cipher, clock)
