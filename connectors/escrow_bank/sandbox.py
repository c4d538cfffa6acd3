"""The sponsor bank's escrow account: daily statements and the UTR feed on a real SFTP drop.

At the end of each business day the bank books the day's movements
(:mod:`connectors.escrow_bank.sandbox_day` spoils a seeded share of them) and drops two files
into its SFTP **outbox** folder, where the hub picks them up:

* the escrow statement, ``ESCROW_<account>_<yyyymmdd>_<number>.sta`` (SWIFT MT940) or
  ``.xml`` (camt.053, namespace version per config); statements balance (opening + lines =
  closing), each opens with the previous closing and statement numbers are consecutive;
* the UTR feed, ``UTR_<account>_<yyyymmdd>.csv``: one row per credit booked into a virtual
  account, in the layout of ``mappings/utr_feed/default.yaml`` (written with that mapping).

Each file is written under a temporary ``.name.part``, renamed when complete, then gets
its ``name.done`` marker (specs/files.md). The bank's state (balance, next statement
number, lines owed to later days) is kept in ``escrow_state.json`` beside the SFTP root, so
a restarted ``sangam sandbox`` continues the sequence. Nothing reads the wall clock: the
business day is the caller's.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from connectors.escrow_bank.sandbox_day import (
    OPENING_BALANCE,
    BankLine,
    BankState,
    BookedDay,
    Disorder,
    DisorderMix,
    Movement,
    book_day,
)
from connectors.sdk.sandbox.catalog import SandboxEnv, SandboxSpec
from connectors.sdk.sandbox.sftp_server import SandboxUser, SftpSandbox
from formats.iso20022.camt import (
    CamtEntry,
    CamtKind,
    CamtStatement,
    RelatedParties,
    TransactionDetails,
)
from formats.iso20022.camt_writer import write_camt053
from formats.statement import Balance, CreditDebit
from formats.swift.mt940 import LineMark, StatementLine, StatementRecord, write_mt940
from lms_core.money import D
from mappings.engine import load_mapping, mapping_path

__all__ = ["DayDrop", "EscrowBank", "EscrowBankConfig", "EscrowBankSandbox", "StatementFormat"]

FOLDER = "sponsor_bank"


class StatementFormat(StrEnum):
    MT940 = "mt940"
    CAMT053 = "camt053"


@dataclass(frozen=True)
class EscrowBankConfig:
    """Which account, which statement format, how much disorder, which seed."""

    account: str = "50200012345678"
    bank_code: str = "HDFC"
    statement_format: StatementFormat = StatementFormat.MT940
    camt_version: str = "camt.053.001.08"
    currency: str = "INR"
    opening_balance: Decimal = OPENING_BALANCE
    mix: DisorderMix = field(default_factory=DisorderMix)
    seed: int = 2026


@dataclass(frozen=True)
class DayDrop:
    """What the bank dropped for one day: file names (in the outbox) and what it spoiled."""

    day: date
    statement_file: str
    utr_feed_file: str
    booked: BookedDay

    @property
    def disorders(self) -> tuple[Disorder, ...]:
        return self.booked.disorders


def _balance(amount: Decimal, day: date, currency: str) -> Balance:
    mark = CreditDebit.CREDIT if amount >= 0 else CreditDebit.DEBIT
    return Balance(mark, day, currency, abs(amount))


def mt940_bytes(booked: BookedDay, config: EscrowBankConfig) -> bytes:
    """Return the day's statement as MT940 (statement number / sequence 1)."""
    lines = tuple(
        StatementLine(
            value_date=x.value_date,
            entry_date=x.booked_on,
            mark=LineMark(x.direction.value),
            amount=x.amount,
            transaction_type="NTRF",
            customer_reference=(x.reference or "NONREF")[:16],
            bank_reference=x.utr,
            narrative=x.narrative,
        )
        for x in booked.lines
    )
    record = StatementRecord(
        transaction_reference=f"STMT{booked.day:%y%m%d}{booked.statement_number:05d}",
        account=config.account,
        statement_number=f"{booked.statement_number:05d}",
        sequence_number="1",
        opening_balance=_balance(booked.opening, booked.day, config.currency),
        closing_balance=_balance(booked.closing, booked.day, config.currency),
        lines=lines,
    )
    return write_mt940([record])


def _camt_entry(line: BankLine, currency: str, account: str) -> CamtEntry:
    parties = RelatedParties(
        debtor_name=line.remitter_name,
        debtor_account=line.remitter_account,
        creditor_account=line.virtual_account or account,
    )
    details = TransactionDetails(
        end_to_end_id=line.reference or "NOTPROVIDED",
        account_servicer_reference=line.utr,
        parties=parties,
        remittance=(line.narrative,),
    )
    return CamtEntry(
        amount=line.amount,
        currency=currency,
        mark=line.direction,
        status="BOOK",
        booking_date=line.booked_on,
        value_date=line.value_date,
        account_servicer_reference=line.utr,
        details=(details,),
    )


def camt053_bytes(booked: BookedDay, config: EscrowBankConfig) -> bytes:
    """Return the day's statement as camt.053 (``Id`` ends with the statement number)."""
    statement = CamtStatement(
        kind=CamtKind.STATEMENT,
        version=config.camt_version,
        id=f"STMT-{config.account}-{booked.statement_number:05d}",
        created=datetime.combine(booked.day, time(23, 0)),
        account=config.account,
        opening_balance=_balance(booked.opening, booked.day, config.currency),
        closing_balance=_balance(booked.closing, booked.day, config.currency),
        entries=tuple(_camt_entry(x, config.currency, config.account) for x in booked.lines),
        account_currency=config.currency,
    )
    message_id = f"{config.bank_code}-{booked.day:%Y%m%d}-{booked.statement_number:05d}"
    return write_camt053([statement], message_id=message_id, version=config.camt_version)


def utr_feed_bytes(booked: BookedDay) -> bytes:
    """Return the UTR feed CSV: every credit booked today into a virtual account.

    Columns are the ``source`` names of ``mappings/utr_feed/default.yaml`` (its status
    lookup is many-to-one, so the mapping cannot write; the bank prints ``SUCCESS``).
    """
    mapping = load_mapping(mapping_path("utr_feed", "default"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f.source for f in mapping.fields])
    for x in booked.lines:
        if x.direction is not CreditDebit.CREDIT or not x.virtual_account:
            continue
        values = {
            "utr": x.utr,
            "amount": f"{x.amount:.2f}",
            "value_date": f"{x.value_date:%d-%m-%Y}",
            "remitter_name": x.remitter_name,
            "remitter_account": x.remitter_account,
            "virtual_account": x.virtual_account,
            "status": "SUCCESS",
        }
        writer.writerow([values[f.name] for f in mapping.fields])
    return buffer.getvalue().encode("utf-8")


def _state_to_json(state: BankState) -> dict:
    def line(x: BankLine) -> dict:
        data = asdict(x)
        data.update(
            value_date=x.value_date.isoformat(),
            booked_on=x.booked_on.isoformat(),
            amount=str(x.amount),
            direction=x.direction.value,
        )
        return data

    return {
        "next_statement": state.next_statement,
        "balance": str(state.balance),
        "owed": [line(x) for x in state.owed],
        "last_day": state.last_day.isoformat() if state.last_day else None,
    }


def _state_from_json(data: dict) -> BankState:
    def line(x: dict) -> BankLine:
        fixed = dict(
            x,
            value_date=date.fromisoformat(x["value_date"]),
            booked_on=date.fromisoformat(x["booked_on"]),
            amount=D(x["amount"]),
            direction=CreditDebit(x["direction"]),
        )
        return BankLine(**fixed)

    last = data.get("last_day")
    return BankState(
        next_statement=int(data["next_statement"]),
        balance=D(data["balance"]),
        owed=tuple(line(x) for x in data["owed"]),
        last_day=date.fromisoformat(last) if last else None,
    )


def _drop(outbox: Path, name: str, data: bytes) -> None:
    """Write ``name`` as ``.name.part``, rename it into place, then write ``name.done``."""
    part = outbox / f".{name}.part"
    part.write_bytes(data)
    part.replace(outbox / name)
    (outbox / f"{name}.done").write_bytes(b"")


class EscrowBank:
    """The bank's books and the outbox folder its SFTP server serves."""

    def __init__(self, home: Path, config: EscrowBankConfig | None = None) -> None:
        self.config = config or EscrowBankConfig()
        self.home = Path(home)
        self.outbox = self.home / "outbox"
        self.outbox.mkdir(parents=True, exist_ok=True)
        self._state_path = self.home.parent / f"{self.home.name}_escrow_state.json"

    @property
    def state(self) -> BankState:
        if self._state_path.exists():
            return _state_from_json(json.loads(self._state_path.read_text()))
        return BankState(balance=self.config.opening_balance)

    def restore(self, state: BankState) -> None:
        """Set the bank's books to ``state`` (e.g. to continue a statement sequence)."""
        self._state_path.write_text(json.dumps(_state_to_json(state), indent=1))

    def drop_day(self, day: date, movements: Sequence[Movement]) -> DayDrop:
        """Book ``day`` and drop its statement and UTR feed; return what was dropped.

        Raises ValueError if ``day`` is not after the last day dropped.
        """
        config = self.config
        rng = random.Random(f"{config.seed}:{day.isoformat()}")
        booked = book_day(day, movements, self.state, config.mix, rng, bank_code=config.bank_code)
        number = f"{booked.statement_number:05d}"
        if config.statement_format is StatementFormat.CAMT053:
            statement, suffix = camt053_bytes(booked, config), "xml"
        else:
            statement, suffix = mt940_bytes(booked, config), "sta"
        statement_file = f"ESCROW_{config.account}_{day:%Y%m%d}_{number}.{suffix}"
        utr_file = f"UTR_{config.account}_{day:%Y%m%d}.csv"
        _drop(self.outbox, statement_file, statement)
        _drop(self.outbox, utr_file, utr_feed_bytes(booked))
        self.restore(booked.state)
        return DayDrop(day, statement_file, utr_file, booked)


class EscrowBankSandbox:
    """The sponsor bank's SFTP server plus its books; ``drop_day`` ends a business day."""

    def __init__(
        self,
        root: Path,
        user: SandboxUser,
        config: EscrowBankConfig | None = None,
    ) -> None:
        self.user = SandboxUser(user.username, user.password, user.public_keys, FOLDER)
        self.sftp = SftpSandbox(root, [self.user])
        self.bank = EscrowBank(self.sftp.user_dir(self.user.username), config)

    @classmethod
    def from_env(cls, env: SandboxEnv) -> EscrowBankSandbox:
        user = SandboxUser(env.sftp_username, password=env.sftp_password)
        return cls(env.folder("escrow_bank"), user, EscrowBankConfig(seed=env.seed))

    def start(self) -> EscrowBankSandbox:
        self.sftp.start()
        return self

    def stop(self) -> None:
        self.sftp.stop()

    def drop_day(self, day: date, movements: Sequence[Movement]) -> DayDrop:
        return self.bank.drop_day(day, movements)

    def endpoints(self) -> dict[str, str]:
        return {
            "sftp": f"sftp://{self.user.username}@{self.sftp.host}:{self.sftp.port}",
            "sftp_host_key": self.sftp.host_key_fingerprint,
            "pickup_dir": "/outbox",
            "statement_format": self.config_format,
            "account": self.bank.config.account,
        }

    @property
    def config_format(self) -> str:
        return self.bank.config.statement_format.value

    def __enter__(self) -> EscrowBankSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


SANDBOX = SandboxSpec(
    name="escrow_bank",
    description="sponsor bank: daily escrow statement (MT940 / camt.053) + UTR feed on SFTP",
    build=EscrowBankSandbox.from_env,
)
