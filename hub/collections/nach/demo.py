"""The demo's NACH desk: mandates for the demo loans and a real round trip each business day.

:func:`run_nach_day` is the one call the demo business day makes, first thing each day.
On its first call it starts the sponsor bank sandbox (real SFTP on loopback, seeded
answer mix: about 8% return 04, 1% return 01), points the ``nach_bank`` counterpart at
it, gives half the book (even loan ids; the other half pays by the demo's other
channels) a mandate: personal and business loans a registered physical NACH mandate,
microfinance loans an e-mandate sent in one registration batch. Each day it then presents
the day's dues (and re-presentations) before the 10:30 cut-off, delivers the file over
SFTP, lets the bank answer, picks the answer up and applies it: collections posted,
returns charged the bounce fee and scheduled again or, on a dead-mandate code, stopped.
Mandates of loans closed that day go to the bank as one pain.011 cancellation batch.
"""

from __future__ import annotations

import atexit
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from connectors.nach.sandbox import NachBankBehaviour, NachBankSandbox
from connectors.sdk.sandbox.sftp_server import SandboxUser
from hub.collections import mandates
from hub.collections.mandates import AccountCipher, MandateIn
from hub.collections.nach import cycle
from hub.collections.nach.bank_settings import COUNTERPART_KIND, IST
from hub.integration import counterparts as cp
from hub.platform.config import get_settings
from hub.platform.demo import DemoContext
from lms_core.collections.enums import AmountRule, MandateKind
from lms_core.money import round_money
from lms_core.persistence.collections import mandate_repository, nach_repository
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository

BANK = "nach_bank"
_USER = SandboxUser("sangam-nach", password="nach-demo-2026")
_KIND = {
    "PL": MandateKind.NACH_PHYSICAL,
    "BL": MandateKind.NACH_PHYSICAL,
    "MFI": MandateKind.NACH_EMANDATE,
}


@dataclass
class NachDemoLog:
    presented: int = 0
    collected: int = 0
    returned: int = 0
    mandates: int = 0
    cancellations: int = 0  # pain.011 requests sent (loans closed)
    days: list[str] = field(default_factory=list)


@dataclass
class _Desk:
    sandbox: NachBankSandbox
    runtime: cycle.NachRuntime | None = None
    log: NachDemoLog = field(default_factory=NachDemoLog)


_desk: _Desk | None = None


def _start() -> _Desk:
    global _desk
    if _desk is None:
        root = Path(tempfile.mkdtemp(prefix="sangam-nach-"))
        sandbox = NachBankSandbox(root, _USER, NachBankBehaviour(seed=2026)).start(poll=False)
        atexit.register(sandbox.stop)
        _desk = _Desk(sandbox)
    return _desk


def _wire_counterpart(session: Session, secrets: cp.Cipher, tenant_id: int, desk: _Desk) -> None:
    config = desk.sandbox.counterpart_config()
    row = counterpart_repository.by_code(session, tenant_id, BANK)
    if row is None:
        cp.register(
            session,
            secrets,
            tenant_id,
            BANK,
            kind=COUNTERPART_KIND,
            connector=COUNTERPART_KIND,
            config=config,
            secrets={"password": _USER.password},
        )
    else:  # a new run of the demo: the sandbox listens on a new port with a new host key
        counterpart_repository.update_config(session, row.id, config=config)


def _give_mandates(session: Session, accounts: AccountCipher, tenant_id: int) -> int:
    today = tenant_repository.business_date(session, tenant_id)
    made = 0
    for loan in loan_repository.list_loans(session, tenant_id, status="active", limit=100_000):
        if loan.id % 2 or mandate_repository.for_loan(session, tenant_id, loan.id):
            continue  # why: half the book pays by NACH, the rest by the demo's other channels
        product = loan_repository.product_by_id(session, loan.product_id)
        kind = _KIND.get(product.code, MandateKind.NACH_PHYSICAL)
        umrn = f"SBIN7{loan.id:015d}" if kind is MandateKind.NACH_PHYSICAL else None
        data = MandateIn(
            loan_id=loan.id,
            kind=kind,
            debtor_name=f"Borrower {loan.loan_number}",
            debtor_account=f"5010{loan.id:010d}",
            debtor_ifsc="HDFC0001234",
            amount=round_money(loan.principal / 2),
            amount_rule=AmountRule.MAXIMUM,
            frequency="WEEK" if product.code == "MFI" else "MNTH",
            start_date=today,
            reference=umrn,
        )
        mandates.create(session, accounts, tenant_id, data, "demo")
        made += 1
    return made


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), IST).astimezone(UTC)


def run_nach_day(factory: sessionmaker[Session], tenant_id: int) -> NachDemoLog:
    """Run today's NACH round trip for the demo tenant (setting the desk up once)."""
    desk = _start()
    settings = get_settings()
    with factory() as session:
        day = tenant_repository.business_date(session, tenant_id)
    if desk.runtime is None:
        secrets = cp.Cipher(settings.encryption_key_value())
        accounts = AccountCipher.from_settings(settings)
        desk.runtime = cycle.NachRuntime(factory, accounts, secrets, lambda: _morning(day))
        with factory() as session:
            _wire_counterpart(session, secrets, tenant_id, desk)
            desk.log.mandates += _give_mandates(session, accounts, tenant_id)
            session.commit()
        cycle.register_mandates(desk.runtime, tenant_id, BANK)
    rt = cycle.NachRuntime(
        factory, desk.runtime.accounts, desk.runtime.secrets, lambda: _morning(day)
    )
    result = cycle.present(rt, tenant_id, BANK, day)
    desk.log.cancellations += cycle.cancel_mandates(rt, tenant_id, BANK)[1]  # closed loans
    cycle.deliver(rt, tenant_id)
    desk.sandbox.bank.process()
    polled = cycle.collect(rt, tenant_id, BANK)
    desk.log.presented += result.items
    if result.presentation is not None:
        with factory() as session:
            statuses = [i.status for i in nach_repository.items_of(session, result.presentation.id)]
        desk.log.collected += statuses.count("collected")
        desk.log.returned += statuses.count("returned")
    desk.log.days.append(f"{day}: {result.items} presented, {len(polled.received)} files back")
    return desk.log


def nach_summary() -> str:
    """Return the demo's NACH totals so far, for the demo's printed summary."""
    if _desk is None:
        return "not run"
    log = _desk.log
    return (
        f"{log.mandates} mandates, {log.presented} debits presented, "
        f"{log.collected} collected, {log.returned} returned, "
        f"{log.cancellations} mandate cancellations sent to the bank (pain.011)"
    )


def day_step(ctx: DemoContext) -> None:
    """DAY (first thing): present today's dues over SFTP, apply the bank's answer."""
    run_nach_day(ctx.factory, ctx.tenant_id)
