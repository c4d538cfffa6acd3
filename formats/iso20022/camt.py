"""ISO 20022 camt.053 (bank-to-customer statement) and camt.054 (debit / credit notification).

``BkToCstmrStmt/Stmt`` (053) and ``BkToCstmrDbtCdtNtfctn/Ntfctn`` (054) carry ``Id``,
``CreDtTm``, ``Acct/Id/(IBAN | Othr/Id)``, balances ``Bal`` (``OPBD`` / ``CLBD`` with
``CdtDbtInd``) and one ``Ntry`` per booking: ``Amt@Ccy``, ``CdtDbtInd``, ``Sts``,
``BookgDt``, ``ValDt``, ``AcctSvcrRef`` and ``NtryDtls/TxDtls`` (``Refs/EndToEndId``,
``Refs/AcctSvcrRef``, ``RltdPties``, ``RmtInf/Ustrd``). Indian banks put the UTR in one
of the references or the remittance text (see :mod:`formats.utr`).

Any message version is accepted (``camt.053.001.02`` ... ``.08``): elements are found by
local name, and the shapes that changed between versions (``Sts`` vs ``Sts/Cd``,
``Dbtr/Nm`` vs ``Dbtr/Pty/Nm``) are both read. Parsing streams with ``iterparse`` and
frees each statement once read, under the rules of :mod:`formats.xml_safety`. A statement
with an unreadable entry, or whose ``OPBD + entries != CLBD``, is rejected whole; error
``line`` is the source line of the offending element, ``field`` its path.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from lxml import etree

from formats.base import ControlCheck, ParseResult, RecordError, WritableFormat
from formats.statement import Balance, CreditDebit, balance_error
from formats.xml_safety import declaration_error, iterparse_safe, release
from lms_core.money import D, MoneyError

__all__ = [
    "CamtEntry",
    "CamtFormat",
    "CamtKind",
    "CamtStatement",
    "RelatedParties",
    "TransactionDetails",
    "parse_camt",
]

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34]\.\d{3}\.\d{2})$")


class CamtKind(StrEnum):
    STATEMENT = "camt.053"
    NOTIFICATION = "camt.054"


@dataclass(frozen=True, slots=True)
class RelatedParties:
    debtor_name: str = ""
    debtor_account: str = ""
    creditor_name: str = ""
    creditor_account: str = ""


@dataclass(frozen=True, slots=True)
class TransactionDetails:
    end_to_end_id: str = ""
    account_servicer_reference: str = ""
    parties: RelatedParties = RelatedParties()
    remittance: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CamtEntry:
    """One ``Ntry``; ``amount`` is unsigned, ``mark`` says which way it moved."""

    amount: Decimal
    currency: str
    mark: CreditDebit
    status: str
    booking_date: date | None
    value_date: date | None
    account_servicer_reference: str = ""
    details: tuple[TransactionDetails, ...] = ()

    @property
    def signed_amount(self) -> Decimal:
        return self.mark.sign(self.amount)


@dataclass(frozen=True, slots=True)
class CamtStatement:
    """One ``Stmt`` (053) or ``Ntfctn`` (054); balances are None when not reported."""

    kind: CamtKind
    version: str
    id: str
    created: datetime | None
    account: str
    opening_balance: Balance | None
    closing_balance: Balance | None
    entries: tuple[CamtEntry, ...]
    account_currency: str = ""


class _Invalid(ValueError):
    """An element is missing or unreadable: carries the element for its line and path."""

    def __init__(self, element: Any, path: str, message: str) -> None:
        super().__init__(message)
        self.line = getattr(element, "sourceline", None) or 0
        self.path = path


def _text(element: Any, path: str) -> str:
    return (element.findtext("{*}" + path.replace("/", "/{*}")) or "").strip()


def _required(element: Any, path: str, where: str) -> str:
    value = _text(element, path)
    if not value:
        raise _Invalid(element, f"{where}/{path}", "missing")
    return value


def _amount(element: Any, where: str) -> tuple[Decimal, str]:
    amt = element.find("{*}Amt")
    if amt is None or not (amt.text or "").strip():
        raise _Invalid(element, f"{where}/Amt", "missing")
    try:
        return abs(D(amt.text)), amt.get("Ccy", "")
    except MoneyError as exc:
        raise _Invalid(amt, f"{where}/Amt", str(exc)) from None


def _mark(element: Any, where: str) -> CreditDebit:
    value = _required(element, "CdtDbtInd", where)
    try:
        return CreditDebit.from_iso(value)
    except KeyError:
        raise _Invalid(element, f"{where}/CdtDbtInd", f"not CRDT / DBIT: {value!r}") from None


def _date(element: Any, path: str, where: str) -> date | None:
    text = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _Invalid(element, f"{where}/{path}", f"not a date: {text!r}") from None


def _balances(stmt: Any, where: str) -> dict[str, Balance]:
    found = {}
    for index, bal in enumerate(stmt.findall("{*}Bal"), 1):
        code = _text(bal, "Tp/CdOrPrtry/Cd") or _text(bal, "Tp/CdOrPrtry/Prtry")
        amount, currency = _amount(bal, f"{where}/Bal[{index}]")
        when = _date(bal, "Dt", f"{where}/Bal[{index}]") or date.min
        found[code] = Balance(_mark(bal, f"{where}/Bal[{index}]"), when, currency, amount)
    return found


def _party(tx: Any, role: str) -> tuple[str, str]:
    name = _text(tx, f"RltdPties/{role}/Pty/Nm") or _text(tx, f"RltdPties/{role}/Nm")
    account = _text(tx, f"RltdPties/{role}Acct/Id/IBAN") or _text(
        tx, f"RltdPties/{role}Acct/Id/Othr/Id"
    )
    return name, account


def _details(tx: Any) -> TransactionDetails:
    debtor, creditor = _party(tx, "Dbtr"), _party(tx, "Cdtr")
    return TransactionDetails(
        end_to_end_id=_text(tx, "Refs/EndToEndId"),
        account_servicer_reference=_text(tx, "Refs/AcctSvcrRef"),
        parties=RelatedParties(*debtor, *creditor),
        remittance=tuple((u.text or "").strip() for u in tx.iterfind("{*}RmtInf/{*}Ustrd")),
    )


def _entry(ntry: Any, where: str) -> CamtEntry:
    amount, currency = _amount(ntry, where)
    return CamtEntry(
        amount=amount,
        currency=currency,
        mark=_mark(ntry, where),
        status=_text(ntry, "Sts/Cd") or _text(ntry, "Sts"),
        booking_date=_date(ntry, "BookgDt", where),
        value_date=_date(ntry, "ValDt", where),
        account_servicer_reference=_text(ntry, "AcctSvcrRef"),
        details=tuple(_details(tx) for tx in ntry.iterfind("{*}NtryDtls/{*}TxDtls")),
    )


def _created(stmt: Any, where: str) -> datetime | None:
    text = _text(stmt, "CreDtTm")
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        raise _Invalid(stmt, f"{where}/CreDtTm", f"not a date-time: {text!r}") from None


def _statement(stmt: Any, kind: CamtKind, version: str, where: str) -> CamtStatement:
    balances = _balances(stmt, where)
    account = _text(stmt, "Acct/Id/IBAN") or _required(stmt, "Acct/Id/Othr/Id", where)
    return CamtStatement(
        kind=kind,
        version=version,
        id=_required(stmt, "Id", where),
        created=_created(stmt, where),
        account=account,
        opening_balance=balances.get("OPBD"),
        closing_balance=balances.get("CLBD"),
        entries=tuple(
            _entry(n, f"{where}/Ntry[{i}]") for i, n in enumerate(stmt.iterfind("{*}Ntry"), 1)
        ),
        account_currency=_text(stmt, "Acct/Ccy"),
    )


def _balance_problem(statement: CamtStatement) -> str | None:
    if statement.opening_balance is None or statement.closing_balance is None:
        return None
    signed = (e.signed_amount for e in statement.entries if e.status in ("BOOK", ""))
    return balance_error(statement.opening_balance, signed, statement.closing_balance)


def _kind(element: Any) -> tuple[CamtKind, str] | None:
    found = _NAMESPACE.match(etree.QName(element).namespace or "")
    if found is None:
        return None
    return CamtKind(found.group(1)[:8]), found.group(1)


class _Reader:
    """Collects statements and errors while ``iterparse`` walks one document."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.records: list[CamtStatement] = []
        self.errors: list[RecordError] = []

    def error(self, line: int, field: str, message: str) -> None:
        self.errors.append(RecordError(self.source, line, field, message))

    def take(self, element: Any, index: int) -> None:
        kind = _kind(element)
        where = f"{etree.QName(element).localname}[{index}]"
        if kind is None:
            namespace = etree.QName(element).namespace
            self.error(element.sourceline or 0, where, f"unknown namespace {namespace!r}")
            return
        try:
            statement = _statement(element, *kind, where)
        except _Invalid as exc:
            self.error(exc.line, exc.path, str(exc))
            return
        problem = _balance_problem(statement)
        if problem:
            self.error(element.sourceline or 0, f"{where}/Bal", f"does not balance: {problem}")
            return
        self.records.append(statement)


def parse_camt(data: bytes, *, source: str) -> ParseResult:
    """Return the statements / notifications in ``data`` and every problem found."""
    refused = declaration_error(data, source)
    if refused is not None:
        return ParseResult(None, (), (refused,), ControlCheck.FAILED)
    reader = _Reader(source)
    try:
        for index, element in enumerate(iterparse_safe(io.BytesIO(data), _TAGS), 1):
            reader.take(element, index)
            release(element)
    except etree.XMLSyntaxError as exc:
        reader.error(exc.lineno or 0, "xml", f"malformed XML: {exc.msg}")
    if not reader.records and not reader.errors:
        reader.error(0, "Stmt", "no camt.053 Stmt or camt.054 Ntfctn found")
    control = ControlCheck.FAILED if reader.errors else ControlCheck.PASSED
    return ParseResult(None, tuple(reader.records), tuple(reader.errors), control)


_TAGS = ("{*}Stmt", "{*}Ntfctn")


class CamtFormat(WritableFormat):
    """Registry entry for camt.053 / camt.054 (writes camt.053)."""

    slug = "camt"
    media_type = "application/xml"
    description = "ISO 20022 camt.053 statement / camt.054 notification, any version"

    def parse(self, data: bytes, *, source: str) -> ParseResult:
        return parse_camt(data, source=source)

    def write(self, records: Sequence[Any], *, header: Any = None, **options: Any) -> bytes:
        from formats.iso20022.camt_writer import write_camt053  # it imports this module's records

        return write_camt053(records, **options)
