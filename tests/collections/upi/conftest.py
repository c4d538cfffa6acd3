"""UPI fixtures: the hub served on loopback, the PSP sandbox calling back, a loan, a clock.

``hub`` serves the test app (bound to the test's rolled-back connection) with uvicorn on
127.0.0.1, so the PSP sandbox's webhooks arrive over real HTTP. The sandbox's clock and
the hub's clock are one :class:`~tests.support.clock.FakeClock` (business time), moved by the tests.
``process`` runs the inbox worker over what arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.sandbox.http_app import SandboxServer
from connectors.upi_autopay.sandbox import PspSandbox
from connectors.upi_autopay.signing import Scheme
from hub.collections.upi import webhooks as _webhooks  # noqa: F401  (registers the handler)
from hub.collections.upi.mandates import UpiAmountRule, UpiMandateIn, create_mandate
from hub.collections.upi.psp import PSP_KIND
from hub.collections.upi.rules import Recurrence
from hub.integration import counterparts as cp
from hub.integration.counterparts import Cipher
from hub.integration.inbox.service import InboxWorker
from tests.support.clock import FakeClock
from tests.support.loans import make_loan, make_product

SECRET = "whsec_cHNwLXdlYmhvb2stc2VjcmV0LTIwMjQ="  # base64 of psp-webhook-secret-2024
PSP = "psp_one"


@pytest.fixture
def clock() -> FakeClock:
    """Business time shared by the hub and the PSP: 2024-01-01 10:00 IST to start."""
    return FakeClock(datetime(2024, 1, 1, 4, 30, tzinfo=UTC))


@pytest.fixture
def cipher(settings) -> Cipher:
    return Cipher(settings.encryption_key_value())


@pytest.fixture
def hub(app, clock):
    """The API on a real loopback port (the webhook URL the PSP calls)."""
    app.state.hub_clock = clock
    with SandboxServer(app) as server:
        yield server


def make_psp_sandbox(hub, tenant, clock, *, dialect: str, scheme: Scheme, **behaviour):
    return PspSandbox(
        dialect=dialect,
        scheme=scheme,
        webhook_url=f"{hub.base_url}/api/v1/webhooks/{tenant.code}/{PSP}",
        webhook_secret=SECRET,
        clock=clock,
        seed=11,
        **behaviour,
    )


DIALECTS = [
    ("psp_token_events", Scheme.HMAC_BODY),
    ("psp_subscription_events", Scheme.HMAC_TIMESTAMP_BODY),
]


@pytest.fixture(params=DIALECTS, ids=[d for d, _ in DIALECTS])
def dialect(request) -> tuple[str, Scheme]:
    return request.param


@pytest.fixture
def sandbox(hub, tenant, clock, dialect):
    with make_psp_sandbox(
        hub, tenant, clock, dialect=dialect[0], scheme=dialect[1], duplicate_rate=0.5
    ) as psp:
        yield psp


def register_psp(db, cipher, tenant, sandbox: PspSandbox, **config):
    return cp.register(
        db,
        cipher,
        tenant.id,
        PSP,
        kind=PSP_KIND,
        connector="upi_autopay_psp",
        config={
            "dialect": sandbox.dialect,
            "signature_scheme": str(sandbox.scheme),
            "base_url": sandbox.base_url,
            **config,
        },
        secrets={"webhook_secret": SECRET, "api_key": "psp-api-key"},
    )


@pytest.fixture
def psp_row(db, cipher, tenant, sandbox):
    return register_psp(db, cipher, tenant, sandbox)


@pytest.fixture
def loan(db, tenant):
    make_product(db, tenant)
    return make_loan(db, tenant, start=date(2024, 1, 1), first_due=date(2024, 2, 1))


@pytest.fixture
def worker(db) -> InboxWorker:
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return InboxWorker(factory, "upi-test", lambda: datetime.now(UTC))


@dataclass
class Flow:
    """One tenant's UPI plumbing: deliver the PSP's webhooks and apply them."""

    db: Session
    tenant: object
    sandbox: PspSandbox
    worker: InboxWorker

    def settle(self) -> int:
        """Deliver every queued webhook to the hub and process the inbox; return sends."""
        sent = self.sandbox.deliver()
        self.worker.run_pending(limit=1000, tenant_id=self.tenant.id)
        self.db.expire_all()
        return sent


@pytest.fixture
def flow(db, tenant, sandbox, worker, psp_row) -> Flow:
    return Flow(db, tenant, sandbox, worker)


def new_mandate(
    db,
    cipher,
    tenant,
    loan,
    *,
    amount="10000",
    rule=UpiAmountRule.MAX,
    recurrence=Recurrence.MONTHLY,
    vpa="ravi.kumar@okbank",
):
    from lms_core.money import D

    data = UpiMandateIn(
        loan_id=loan.id,
        psp=PSP,
        payer_vpa=vpa,
        payer_name="Ravi Kumar",
        amount=D(amount),
        amount_rule=rule,
        recurrence=recurrence,
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
    )
    return create_mandate(db, cipher, tenant.id, data, "test")
