"""The demo's UPI AutoPay desk: a few loans collected through the PSP sandbox each day.

:func:`run_upi_day` is the one call the demo business day makes (after NACH). On its
first call it starts, on loopback, the PSP sandbox and the hub's API (the webhook
receiver the PSP calls back), registers the ``psp_demo`` counterpart from the sandbox's
own ``counterpart_config`` (subscription dialect, signed bodies with a timestamp; a later
run points the existing counterpart at the new port) and gives up to six odd-numbered
monthly loans a UPI AutoPay mandate (the payer approves at once). Each business day at 10:00 IST it
sends the pre-debit notice of every installment due tomorrow, executes the debits
notified yesterday (24 h later), lets the PSP answer with its webhooks (shuffled, one in
ten sent twice) and applies them through the inbox: repayments posted once each.
Mandates of loans closed that day are revoked at the PSP first (its webhook confirms).

The PSP's clock and the hub's are the business date at 10:00 IST, so the 24-hour rule
holds in business time while the demo runs in seconds.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.upi_autopay.sandbox import PspSandbox
from connectors.upi_autopay.signing import Scheme
from hub.collections.upi.debits import execute_due, send_notice
from hub.collections.upi.mandates import UpiAmountRule, UpiMandateIn, create_mandate
from hub.collections.upi.psp import PSP_KIND
from hub.collections.upi.revoke import revoke_pending
from hub.collections.upi.rules import CycleStatus, Recurrence
from hub.integration import counterparts as cp
from hub.integration.inbox.service import InboxWorker, wall_clock
from hub.platform.config import get_settings
from hub.platform.demo import DemoContext
from hub.platform.errors import SangamError
from lms_core.collections.enums import MandateKind
from lms_core.persistence.collections import upi_repository as repository
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository

PSP = "psp_demo"
SECRET = "whsec_ZGVtby1wc3Atc2VjcmV0LTIwMjY="
MONTHLY_PRODUCTS = ("PL", "BL")
IST_10AM = time(4, 30, tzinfo=UTC)  # 10:00 IST


class DemoClock:
    """The business date at 10:00 IST: the PSP and the hub read the same time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 4, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def set_day(self, day: date) -> None:
        self.now = datetime.combine(day, IST_10AM)


@dataclass
class UpiDemoLog:
    mandates: int = 0
    notices: int = 0
    debits: int = 0
    webhooks: int = 0
    refused: int = 0
    flagged: int = 0  # above the additional-authentication limit: left to a person
    revoked: int = 0  # mandates of closed loans revoked at the PSP
    loans: list[int] = field(default_factory=list)


@dataclass
class _Desk:
    psp: PspSandbox
    hub: Any  # the hub's API on loopback (the demo runner's)
    clock: DemoClock
    factory: sessionmaker[Session]
    log: UpiDemoLog = field(default_factory=UpiDemoLog)


_desk: _Desk | None = None


def _start(factory: sessionmaker[Session], tenant_code: str, api_server) -> _Desk:
    global _desk
    if _desk is not None and _desk.factory is not factory:  # another database: start afresh
        _desk.psp.stop()
        _desk = None
    if _desk is None:
        clock = DemoClock()
        hub = api_server()
        hub.app.state.hub_clock = clock  # the webhook receiver reads the demo's time
        psp = PspSandbox(
            dialect="psp_subscription_events",
            scheme=Scheme.HMAC_TIMESTAMP_BODY,
            webhook_url=f"{hub.base_url}/api/v1/webhooks/{tenant_code}/{PSP}",
            webhook_secret=SECRET,
            seed=2026,
            duplicate_rate=0.1,
            auto_approve=True,
            clock=clock,
        ).start()
        atexit.register(psp.stop)
        _desk = _Desk(psp, hub, clock, factory)
    return _desk


def _wire(session: Session, cipher: cp.Cipher, tenant_id: int, desk: _Desk) -> None:
    config = desk.psp.counterpart_config()
    row = counterpart_repository.by_code(session, tenant_id, PSP)
    if row is None:
        cp.register(
            session,
            cipher,
            tenant_id,
            PSP,
            kind=PSP_KIND,
            connector="upi_autopay_psp",
            config=config,
            secrets={"webhook_secret": SECRET, "api_key": "demo-psp-key"},
        )
    else:  # a new run of the demo: the sandbox listens on a new port
        counterpart_repository.update_config(session, row.id, config={**row.config, **config})


def _mandated_loans(session: Session, tenant_id: int) -> list[int]:
    rows = repository.upi_mandates(session, tenant_id, limit=100)
    return [m.loan_id for m, _ in rows]


def _give_mandates(session: Session, cipher: cp.Cipher, tenant_id: int, desk: _Desk) -> None:
    if _mandated_loans(session, tenant_id):
        return
    today = tenant_repository.business_date(session, tenant_id)
    for loan in loan_repository.list_loans(session, tenant_id, status="active", limit=400):
        product = loan_repository.product_by_id(session, loan.product_id)
        if loan.id % 2 == 0 or product.code not in MONTHLY_PRODUCTS:
            continue  # even loans are the NACH desk's
        emi = loan_repository.schedule_rows(session, loan.id, loan.schedule_version)[0].total
        data = UpiMandateIn(
            loan.id,
            PSP,
            f"borrower{loan.id}@okdemo",
            f"Borrower {loan.id}",
            (emi * 2).quantize(Decimal("1")),
            UpiAmountRule.MAX,
            Recurrence.MONTHLY,
            today,
            today + timedelta(days=3 * 365),
        )
        create_mandate(session, cipher, tenant_id, data, "demo")
        desk.log.mandates += 1
        desk.log.loans.append(loan.id)
        if desk.log.mandates == 6:
            return


def _notify_tomorrow(session: Session, cipher: cp.Cipher, tenant_id: int, desk: _Desk) -> None:
    today = tenant_repository.business_date(session, tenant_id)
    for mandate, _upi in repository.upi_mandates(session, tenant_id, status="registered"):
        loan = loan_repository.get_loan(session, tenant_id, mandate.loan_id)
        if loan is None or loan.status != "active" or mandate.kind != MandateKind.UPI_AUTOPAY:
            continue
        for line in loan_repository.schedule_rows(session, loan.id, loan.schedule_version):
            if line.due_date == today + timedelta(days=1):
                try:
                    with session.begin_nested():
                        cycle = send_notice(
                            session,
                            cipher,
                            tenant_id,
                            mandate.id,
                            line.total,
                            line.due_date,
                            "demo",
                        )
                    desk.log.notices += 1
                    desk.log.flagged += cycle.status == CycleStatus.NEEDS_AUTH
                except SangamError:
                    desk.log.refused += 1


def _settle(factory: sessionmaker[Session], tenant_id: int, desk: _Desk) -> None:
    desk.log.webhooks += desk.psp.deliver()
    InboxWorker(factory, "demo-upi", wall_clock).run_pending(limit=1000, tenant_id=tenant_id)


def run_upi_day(factory: sessionmaker[Session], tenant_id: int, api_server) -> UpiDemoLog:
    """Run today's UPI AutoPay work for the demo tenant; return the running log."""
    cipher = cp.Cipher(get_settings().encryption_key_value())
    with factory() as session:
        tenant = tenant_repository.by_id(session, tenant_id)
        desk = _start(factory, tenant.code, api_server)
        desk.clock.set_day(tenant_repository.business_date(session, tenant_id))
        _wire(session, cipher, tenant_id, desk)
        _give_mandates(session, cipher, tenant_id, desk)
        session.commit()
    _settle(factory, tenant_id, desk)  # mandate approvals
    with factory() as session:
        desk.log.revoked += revoke_pending(session, cipher, tenant_id, desk.clock(), "demo")["sent"]
        counts = execute_due(session, cipher, tenant_id, desk.clock(), "demo")
        desk.log.debits += counts["executed"]
        _notify_tomorrow(session, cipher, tenant_id, desk)
        session.commit()
    _settle(factory, tenant_id, desk)  # notices delivered, debit outcomes
    return desk.log


def upi_summary() -> str:
    """One line for the demo's summary."""
    if _desk is None:
        return "not run"
    log = _desk.log
    return (
        f"{log.mandates} mandates, {log.notices} pre-debit notices ({log.flagged} above the "
        f"additional-authentication limit, left to a person), {log.debits} debits, "
        f"{log.webhooks} webhooks delivered (shuffled, some twice), "
        f"{log.revoked} mandates of closed loans revoked at the PSP"
    )


def day_step(ctx: DemoContext) -> None:
    """DAY (after NACH): notices, debits and the PSP's webhooks."""
    run_upi_day(ctx.factory, ctx.tenant_id, ctx.api_server)


def summary_step(ctx: DemoContext) -> dict[str, object]:
    """END: the collections rails' lines of the demo summary."""
    from hub.collections.nach.demo import nach_summary

    return {"nach": nach_summary(), "upi_autopay": upi_summary()}
