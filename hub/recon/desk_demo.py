"""The demo day's close: the sponsor bank's files, ingestion, a matching run, a break desk.

At the end of the demo business day (:func:`run_recon_day`):

1. the day's expected credits are recorded: a receipt per active loan for the first
   :data:`RECEIPTS` loans (borrowers paying by NEFT into their virtual account; reference
   ``RCPT<mmdd><n>``), next to what the day already expected (disbursement payouts);
2. the sponsor-bank sandbox (:mod:`connectors.escrow_bank.sandbox`, a real SFTP server on
   loopback) books those movements, spoiling a seeded share (:data:`DEMO_MIX`: unexpected
   credits, short payments, duplicates, a delay), and drops the MT940 statement and the
   UTR feed into its outbox;
3. the hub picks both up over SFTP (host key pinned, done markers), receives them into the
   inbox and applies them (:mod:`hub.recon.ingest`: balance and sequence checks);
4. a reconciliation run (:func:`hub.recon.run.run_reconciliation`) matches what it can;
   the rest are the breaks shown at ``/ui/recon/breaks``.

The bank's statement numbering continues from the account's last accepted statement, so
re-running the demo on the same database keeps the sequence without gaps.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.escrow_bank.sandbox import EscrowBankConfig, EscrowBankSandbox
from connectors.escrow_bank.sandbox_day import BankState, DisorderMix, Movement, neft_utr
from connectors.sdk.sandbox.sftp_server import SandboxUser
from connectors.sdk.transport.sftp import SftpEndpoint, download, list_ready
from formats.statement import CreditDebit
from hub.integration.inbox import service as inbox
from hub.platform.demo import DemoContext
from hub.recon.expected import record_expected
from hub.recon.run import run_reconciliation
from lms_core.integration.enums import Channel
from lms_core.money import D
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon import run_repository as recon_repository
from lms_core.persistence.recon.models import ReconExpectedItem, ReconStatement

ACCOUNT = "50200012345678"
RECEIPTS = 20
DEMO_MIX = DisorderMix(
    unexpected_credits=D("0.10"), short_payments=D("0.10"), duplicates=D("0.10"), delays=D("0.05")
)
_LOGIN = ("sponsor", "sandbox-2026")


def _setup(session: Session, tenant_id: int) -> None:
    if recon_repository.account_by_no(session, tenant_id, ACCOUNT) is None:
        recon_repository.add_account(
            session, tenant_id, ACCOUNT, "HDFC", "Collections escrow", "INR"
        )
    for code, kind in (("sponsor_escrow", "escrow_bank"), ("sponsor_utr", "utr_feed")):
        if counterpart_repository.by_code(session, tenant_id, code) is None:
            config = {"account": ACCOUNT}
            counterpart_repository.create(
                session, tenant_id, code, kind, "sftp_pickup", config, None
            )


def _expected_today(session: Session, tenant_id: int, today: date) -> list[ReconExpectedItem]:
    """Record the day's borrower receipts; return every open expected item up to today."""
    loans = loan_repository.list_loans(session, tenant_id, status="active", limit=RECEIPTS)
    for n, loan in enumerate(loans):
        amount = (loan.principal / 24).quantize(D("1"))  # about one instalment, whole rupees
        record_expected(
            session, tenant_id, source="manual", reference=f"RCPT{today:%m%d}{n:04d}",
            amount=amount, direction="credit", expected_on=today, account=ACCOUNT,
            loan_id=loan.id, counterparty=f"Borrower of {loan.loan_number}",
        )  # fmt: skip
    return [
        e
        for e in recon_repository.list_expected(session, tenant_id, status="open", limit=10_000)
        if e.expected_on <= today
    ]


def _movements(items: list[ReconExpectedItem], today: date) -> list[Movement]:
    out = []
    for n, e in enumerate(items):
        credit = e.direction == "credit"
        out.append(
            Movement(
                value_date=e.expected_on,
                amount=e.amount,
                direction=CreditDebit.CREDIT if credit else CreditDebit.DEBIT,
                utr=e.utr or neft_utr("ICIC", today, n),
                reference=e.reference if credit else "",
                remitter_name=(e.counterparty or "")[:35] if credit else "",
                remitter_account="0001234500" + f"{n:02d}" if credit else "",
                virtual_account=f"SANGAMVA{e.loan_id or 0:06d}" if credit else "",
            )
        )
    return out


def _opening_state(session: Session, tenant_id: int) -> BankState:
    """The bank's books as our database last saw them: next number, last closing balance."""
    account = recon_repository.account_by_no(session, tenant_id, ACCOUNT)
    last = account.last_sequence if account else None
    if not last:
        return BankState()
    statement = (
        session.query(ReconStatement).filter_by(account_id=account.id, sequence_no=last).one()
    )
    balance = statement.closing if statement.closing is not None else BankState().balance
    return BankState(next_statement=last + 1, balance=balance)


def _pick_up(bank: EscrowBankSandbox) -> list[tuple[str, bytes]]:
    endpoint = SftpEndpoint(
        name="sponsor_bank", host=bank.sftp.host, port=bank.sftp.port, username=_LOGIN[0],
        host_key_fingerprint=bank.sftp.host_key_fingerprint, password=_LOGIN[1],
        inbox_dir="/outbox",
    )  # fmt: skip
    return [(f.name, download(endpoint, f)) for f in list_ready(endpoint)]


def _ingest(factory: sessionmaker[Session], tenant_id: int, files, now: datetime) -> dict:
    worker = inbox.InboxWorker(factory, "demo-recon", lambda: now)
    statuses = {}
    for name, data in files:
        statement = not name.endswith(".csv")
        code, doc = ("sponsor_escrow", "mt940") if statement else ("sponsor_utr", "utr_csv")
        with factory() as session:
            cp = counterpart_repository.by_code(session, tenant_id, code)
            got = inbox.receive(
                session, tenant_id=tenant_id, channel=Channel.FILE, source=code,
                counterpart_id=cp.id, document_kind=doc, data=data, filename=name, now=now,
                enqueue=False,
            )  # fmt: skip
            session.commit()
        statuses[name] = worker.run_item(got.item_id) if not got.duplicate else "duplicate"
    return statuses


def run_recon_day(factory: sessionmaker[Session], tenant_id: int) -> dict[str, Any]:
    """Close the demo day with the bank's files and a reconciliation run; return a summary."""
    with factory() as session:
        _setup(session, tenant_id)
        today = tenant_repository.business_date(session, tenant_id)
        movements = _movements(_expected_today(session, tenant_id, today), today)
        state = _opening_state(session, tenant_id)
        session.commit()
    now = datetime.combine(today, datetime.min.time(), UTC).replace(hour=19)
    with tempfile.TemporaryDirectory(prefix="sangam-bank-") as root:
        user = SandboxUser(*_LOGIN)
        config = EscrowBankConfig(account=ACCOUNT, mix=DEMO_MIX, seed=2026)
        with EscrowBankSandbox(Path(root), user, config) as bank:
            bank.bank.restore(state)
            drop = bank.drop_day(today, movements)
            files = _pick_up(bank)
    statuses = _ingest(factory, tenant_id, files, now)
    with factory() as session:
        run = run_reconciliation(session, tenant_id, triggered_by="demo", now=now)
        summary = dict(run.summary or {})
        session.commit()
    kinds = [str(d.kind) for d in drop.disorders]
    return {
        "escrow_statement": f"{drop.statement_file} ({len(drop.booked.lines)} lines)",
        "bank_disorders": ", ".join(f"{k} x{kinds.count(k)}" for k in dict.fromkeys(kinds)),
        "files_ingested": ", ".join(f"{n}: {s}" for n, s in statuses.items()),
        "recon_match_rate_percent": summary.get("match_rate_percent"),
        "recon_breaks": summary.get("breaks"),
        "break_desk": "/ui/recon/breaks",
    }


def end_step(ctx: DemoContext) -> dict[str, object]:
    """END: the escrow bank's files, ingestion, a matching run, the break desk."""
    return run_recon_day(ctx.factory, ctx.tenant_id)
