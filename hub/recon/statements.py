"""Bank statements in every format, read into one canonical shape before any check.

Readers turn bytes into :class:`Statement` values (account, sequence number, balances,
:class:`Line` s) plus :class:`Problem` s naming the line and field. Nothing is stored here:
:mod:`hub.recon.ingest` refuses a file with any problem, whole.

* MT940 (:mod:`formats.swift.mt940`, the ``mt-940`` library): ``:28C:`` statement number is the
  sequence (a multi-page statement is not supported: its pages share the number);
  ``:61:`` customer reference is our reference unless ``NONREF``; the parser already
  rejects a statement whose opening + lines != closing, naming the difference.
* camt.053 / camt.054 (:mod:`formats.iso20022.camt`, lxml iterparse, any version): ``ElctrncSeqNb``
  (else ``LglSeqNb``) is the sequence; only booked entries count; ``EndToEndId`` is our
  reference, ``AcctSvcrRef`` the bank's; debtor / creditor name the counterparty.
* bank CSV / XLSX through a mapping (``mappings/escrow_bank_*``): the running balance is
  the check: each row's balance = the previous one + credit - debit (the first row
  gives the opening balance), else the file is refused naming the row.

Every line's UTR is extracted from its narration and references by the bank's ordered
patterns (:mod:`formats.utr`; a counterpart's ``utr_patterns`` config replaces them).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from formats.iso20022.camt import CamtEntry, CamtStatement, parse_camt
from formats.swift.mt940 import StatementLine, StatementRecord, parse_mt940
from formats.utr import UtrPattern, extract_utr_from
from formats.xml_safety import iterparse_safe, release
from mappings import Format, MappedRecord, Mapping, RecordError, apply_mapping

ZERO = Decimal("0")


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class Line:
    line_no: int
    direction: str  # credit | debit
    amount: Decimal  # unsigned
    currency: str
    value_date: date
    booking_date: date | None = None
    utr: str | None = None
    rail: str | None = None
    our_ref: str | None = None
    bank_ref: str | None = None
    narration: str = ""
    counterparty: str | None = None
    natural_key: str | None = None  # set when the line has its own identity (CSV rows)


@dataclass(frozen=True)
class Statement:
    kind: str
    account: str
    statement_ref: str
    sequence_no: int | None
    statement_date: date | None
    opening: Decimal | None  # signed
    closing: Decimal | None
    lines: tuple[Line, ...]


def _with_utr(line: Line, texts: Sequence[str | None], patterns: Sequence[UtrPattern]) -> Line:
    found = extract_utr_from([t for t in texts if t], patterns)
    return replace(line, utr=found.utr, rail=str(found.rail)) if found else line


def _sequence(text: str) -> int | None:
    digits = text.strip()
    return int(digits) if digits.isdigit() else None


def _mt940_line(n: int, x: StatementLine, currency: str, patterns) -> Line:
    signed = x.signed_amount
    our = x.customer_reference if x.customer_reference.upper() != "NONREF" else None
    line = Line(
        line_no=n,
        direction="credit" if signed > 0 else "debit",
        amount=abs(signed),
        currency=currency,
        value_date=x.value_date,
        booking_date=x.entry_date,
        our_ref=our,
        bank_ref=x.bank_reference or None,
        narration=x.narrative,
    )
    return _with_utr(line, (x.narrative, x.bank_reference, x.customer_reference), patterns)


def _mt940_statement(st: StatementRecord, patterns) -> Statement:
    currency = st.opening_balance.currency
    lines = tuple(_mt940_line(n, x, currency, patterns) for n, x in enumerate(st.lines, 1))
    return Statement(
        kind="mt940",
        account=st.account,
        statement_ref=st.transaction_reference,
        sequence_no=_sequence(st.statement_number),
        statement_date=st.closing_balance.date,
        opening=st.opening_balance.signed,
        closing=st.closing_balance.signed,
        lines=lines,
    )


def read_mt940(data: bytes, source: str, patterns) -> tuple[list[Statement], list[Problem]]:
    result = parse_mt940(data, source=source)
    problems = [Problem(e.line, e.field, e.message) for e in result.errors]
    return [_mt940_statement(r, patterns) for r in result.records], problems


def _camt_sequences(data: bytes) -> list[int | None]:
    found: list[int | None] = []
    for element in iterparse_safe(io.BytesIO(data), ("{*}Stmt", "{*}Ntfctn")):
        text = element.findtext("{*}ElctrncSeqNb") or element.findtext("{*}LglSeqNb") or ""
        found.append(int(text) if text.strip().isdigit() else None)
        release(element)
    return found


def _camt_line(n: int, entry: CamtEntry, patterns) -> Line:
    tx = entry.details[0] if entry.details else None
    remittance = " ".join(tx.remittance) if tx else ""
    e2e = tx.end_to_end_id if tx and tx.end_to_end_id.upper() != "NOTPROVIDED" else None
    bank_ref = entry.account_servicer_reference or (tx.account_servicer_reference if tx else "")
    credit = entry.mark.value == "C"
    party = (tx.parties.debtor_name if credit else tx.parties.creditor_name) if tx else ""
    line = Line(
        line_no=n,
        direction="credit" if credit else "debit",
        amount=entry.amount,
        currency=entry.currency,
        value_date=entry.value_date or entry.booking_date or date.min,
        booking_date=entry.booking_date,
        our_ref=e2e,
        bank_ref=bank_ref or None,
        narration=remittance,
        counterparty=party or None,
    )
    return _with_utr(line, (bank_ref, e2e, remittance), patterns)


def _camt_statement(st: CamtStatement, sequence: int | None, patterns) -> Statement:
    booked = [e for e in st.entries if e.status in ("BOOK", "")]
    lines = tuple(_camt_line(n, e, patterns) for n, e in enumerate(booked, 1))
    dates = [x.value_date for x in lines]
    return Statement(
        kind=str(st.kind),
        account=st.account,
        statement_ref=st.id,
        sequence_no=sequence,
        statement_date=st.closing_balance.date if st.closing_balance else max(dates, default=None),
        opening=st.opening_balance.signed if st.opening_balance else None,
        closing=st.closing_balance.signed if st.closing_balance else None,
        lines=lines,
    )


def read_camt(data: bytes, source: str, patterns) -> tuple[list[Statement], list[Problem]]:
    result = parse_camt(data, source=source)
    problems = [Problem(e.line, e.field, e.message) for e in result.errors]
    if problems:
        return [], problems
    sequences = _camt_sequences(data)
    undated = [
        Problem(0, f"Stmt[{i}]/Ntry", "entry has neither a value nor a booking date")
        for i, st in enumerate(result.records, 1)
        if any(e.value_date is None and e.booking_date is None for e in st.entries)
    ]
    statements = [
        _camt_statement(st, seq, patterns)
        for st, seq in zip(result.records, sequences, strict=False)
    ]
    return statements, undated


def xlsx_variant(mapping: Mapping) -> Mapping:
    """Return the same column mapping reading the first sheet of an XLSX workbook."""
    return replace(mapping, format=Format.XLSX, options={"header": True})


def _csv_line(record: MappedRecord, currency: str, account: str, patterns) -> Line:
    v = record.values
    debit, credit = v.get("debit") or ZERO, v.get("credit") or ZERO
    reference = v.get("reference") or None
    key = f"{account}:{v['value_date']}:{reference}:{debit}:{credit}:{v['balance']}"
    line = Line(
        line_no=record.line,
        direction="credit" if credit > 0 else "debit",
        amount=credit if credit > 0 else debit,
        currency=currency,
        value_date=v["value_date"],
        booking_date=v.get("txn_date"),
        bank_ref=reference,
        narration=v.get("narration") or "",
        counterparty=v.get("remitter_account") or None,
        natural_key=key,
    )
    return _with_utr(line, (v.get("narration"), reference), patterns)


def _running_balance(records: list[MappedRecord]) -> tuple[Decimal | None, list[Problem]]:
    problems, opening, previous = [], None, None
    for record in records:
        v = record.values
        debit, credit = v.get("debit") or ZERO, v.get("credit") or ZERO
        if (debit > 0) == (credit > 0):
            problems.append(Problem(record.line, "debit/credit", "exactly one must be non-zero"))
            continue
        before = v["balance"] - credit + debit
        if previous is None:
            opening = before
        elif before != previous:
            problems.append(
                Problem(
                    record.line,
                    "balance",
                    f"previous balance {previous} + {credit} - {debit} = "
                    f"{previous + credit - debit}, but the row says {v['balance']}",
                )
            )
        previous = v["balance"]
    return opening, problems


def read_bank_table(
    data: bytes, mapping: Mapping, *, account: str, currency: str, ref: str, patterns
) -> tuple[list[Statement], list[Problem]]:
    """Read a sponsor-bank CSV / XLSX statement for ``account`` through ``mapping``."""
    records: list[MappedRecord] = []
    problems: list[Problem] = []
    for item in apply_mapping(mapping, data):
        if isinstance(item, RecordError):
            problems.append(Problem(item.line, item.field, item.message))
        else:
            records.append(item)
    if problems:
        return [], problems
    if not records:
        return [], [Problem(0, "(file)", "the statement has no rows")]
    opening, problems = _running_balance(records)
    lines = tuple(_csv_line(r, currency, account, patterns) for r in records)
    closing = records[-1].values["balance"]
    statement = Statement(
        kind="bank_csv",
        account=account,
        statement_ref=ref,
        sequence_no=None,
        statement_date=max(x.value_date for x in lines),
        opening=opening,
        closing=closing,
        lines=lines,
    )
    return [statement], problems
