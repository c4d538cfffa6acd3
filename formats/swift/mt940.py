"""SWIFT MT940 customer statements: the escrow bank's end-of-day statement.

A file holds one or more statements, each opening with ``:20:`` (reference) and carrying
``:25:`` account, ``:28C:`` statement / sequence number, ``:60F:``/``:60M:`` opening
balance (mark, YYMMDD, currency, amount with a decimal comma), ``:61:`` lines (value date,
optional MMDD entry date, C / D / RC / RD, amount, ``N`` + transaction type, reference for
the account owner ``//`` bank reference), each followed by ``:86:`` narrative (up to six
65-character lines, joined with ``narrative_joiner``, default "" because SWIFT wraps
mid-word), ``:62F:``/``:62M:`` closing and optional ``:64:`` available balance.

Tags are read by the ``mt-940`` library, one statement at a time; amounts arrive as
Decimal and are rebuilt from their string form (never a float). A statement whose
``opening + lines != closing`` is rejected whole (an error, no record). Error ``line``
is the file line of the statement's ``:20:`` tag. :func:`write_mt940` writes statements
the parser reads back (the bank sandbox serves them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import mt940

from formats.base import ControlCheck, ParseResult, RecordError, WritableFormat
from formats.statement import Balance, CreditDebit, balance_error
from lms_core.money import D

__all__ = ["LineMark", "Mt940Format", "StatementLine", "StatementRecord", "parse_mt940"]


class LineMark(StrEnum):
    """Debit / credit mark of a ``:61:`` line; reversals move the other way."""

    CREDIT = "C"
    DEBIT = "D"
    REVERSAL_OF_CREDIT = "RC"
    REVERSAL_OF_DEBIT = "RD"

    def sign(self, amount: Decimal) -> Decimal:
        """Return ``amount`` as it moves the balance (C and RD add, D and RC subtract)."""
        positive = self in (LineMark.CREDIT, LineMark.REVERSAL_OF_DEBIT)
        return amount if positive else -amount


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One ``:61:`` booking with its ``:86:`` narrative. ``amount`` is unsigned."""

    value_date: date
    entry_date: date | None
    mark: LineMark
    amount: Decimal
    transaction_type: str
    customer_reference: str
    bank_reference: str
    narrative: str = ""

    @property
    def signed_amount(self) -> Decimal:
        return self.mark.sign(self.amount)


@dataclass(frozen=True, slots=True)
class StatementRecord:
    """One balanced statement."""

    transaction_reference: str
    account: str
    statement_number: str
    sequence_number: str
    opening_balance: Balance
    closing_balance: Balance
    lines: tuple[StatementLine, ...]
    available_balance: Balance | None = None


_STATEMENT_START = re.compile(r"^:20:", re.MULTILINE)
_BALANCE = re.compile(r"[CD]\d{6}[A-Z]{3}\d+,\d{0,2}$")
_REQUIRED = {
    "transaction_reference": ":20:",
    "account_identification": ":25:",
    "final_opening_balance": ":60F:",
    "final_closing_balance": ":62F:",
}


def _date(value: Any) -> date:
    return date(value.year, value.month, value.day)


def _balance(value: Any) -> Balance:
    amount = abs(D(str(value.amount.amount)))
    return Balance(CreditDebit(value.status), _date(value.date), value.amount.currency, amount)


def _line(data: dict[str, Any], joiner: str) -> StatementLine:
    entry = data.get("entry_date")
    return StatementLine(
        value_date=_date(data["date"]),
        entry_date=_date(entry) if entry is not None else None,
        mark=LineMark(data["status"]),
        amount=abs(D(str(data["amount"].amount))),
        transaction_type=data.get("id") or "",
        customer_reference=data.get("customer_reference") or "",
        bank_reference=data.get("bank_reference") or "",
        narrative=joiner.join((data.get("transaction_details") or "").splitlines()),
    )


def _statement(block: str, joiner: str) -> StatementRecord:
    """Return the statement in ``block``; raises ValueError / KeyError when unusable."""
    parsed = mt940.models.Transactions()
    parsed.parse(block)
    data = parsed.data
    missing = [tag for key, tag in _REQUIRED.items() if data.get(key) is None]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    available = data.get("available_balance")
    return StatementRecord(
        transaction_reference=data["transaction_reference"],
        account=data["account_identification"],
        statement_number=data.get("statement_number") or "",
        sequence_number=data.get("sequence_number") or "",
        opening_balance=_balance(data["final_opening_balance"]),
        closing_balance=_balance(data["final_closing_balance"]),
        lines=tuple(_line(t.data, joiner) for t in parsed),
        available_balance=_balance(available) if available is not None else None,
    )


_TAG_SHAPES = {
    ":60F:": _BALANCE, ":60M:": _BALANCE, ":62F:": _BALANCE, ":62M:": _BALANCE,
    ":64:": _BALANCE, ":61:": re.compile(r"\d{6}(\d{4})?R?[CD][A-Z]?\d+,\d{0,2}[NSF]\w{3}"),
}  # fmt: skip


def _tag_errors(block: str, first_line: int, source: str) -> list[RecordError]:
    """Return an error for every balance / ``:61:`` tag whose shape is wrong.

    The library reads ``1x00,00`` as 1; checking shapes first keeps a typo from
    becoming a wrong figure.
    """
    errors = []
    for offset, text in enumerate(block.split("\n")):
        tag, _, value = text.partition(":")[2].partition(":")
        shape = _TAG_SHAPES.get(f":{tag}:") if text.startswith(":") else None
        if shape is not None and not shape.match(value.strip()):
            message = f"malformed value {value.strip()!r}"
            errors.append(RecordError(source, first_line + offset, f":{tag}:", message, text))
    return errors


def _blocks(text: str) -> list[tuple[int, str]]:
    """Return (line number of ``:20:``, text) for every statement in ``text``."""
    starts = [m.start() for m in _STATEMENT_START.finditer(text)]
    ends = [*starts[1:], len(text)] if starts else []
    return [(text.count("\n", 0, s) + 1, text[s:e]) for s, e in zip(starts, ends, strict=True)]


def parse_mt940(data: bytes, *, source: str, narrative_joiner: str = "") -> ParseResult:
    """Return every balanced statement in ``data`` and an error for each rejected one."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    records: list[StatementRecord] = []
    errors: list[RecordError] = []
    blocks = _blocks(text)
    if not blocks:
        errors.append(RecordError(source, 0, ":20:", "no statement (no :20: tag) found"))
    for line, block in blocks:
        shape_errors = _tag_errors(block, line, source)
        if shape_errors:
            errors += shape_errors
            continue
        try:
            record = _statement(block, narrative_joiner)
        except Exception as exc:  # the library raises many kinds on malformed tags
            errors.append(RecordError(source, line, "statement", f"unreadable: {exc}", block))
            continue
        problem = balance_error(
            record.opening_balance,
            (x.signed_amount for x in record.lines),
            record.closing_balance,
        )
        if problem:
            errors.append(RecordError(source, line, ":62F:", f"does not balance: {problem}"))
            continue
        records.append(record)
    control = ControlCheck.FAILED if errors else ControlCheck.PASSED
    return ParseResult(None, tuple(records), tuple(errors), control)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _balance_tag(tag: str, balance: Balance) -> str:
    when = balance.date.strftime("%y%m%d")
    return f":{tag}:{balance.mark.value}{when}{balance.currency}{_amount(balance.amount)}"


def _line_tags(line: StatementLine) -> list[str]:
    entry = line.entry_date.strftime("%m%d") if line.entry_date else ""
    reference = line.customer_reference or "NONREF"
    bank = f"//{line.bank_reference}" if line.bank_reference else ""
    head = f":61:{line.value_date.strftime('%y%m%d')}{entry}{line.mark.value}"
    tags = [f"{head}{_amount(line.amount)}{line.transaction_type}{reference}{bank}"]
    if line.narrative:
        chunks = [line.narrative[i : i + 65] for i in range(0, len(line.narrative), 65)]
        tags.append(":86:" + "\n".join(chunks[:6]))
    return tags


def write_mt940(statements: Sequence[StatementRecord]) -> bytes:
    """Return ``statements`` as MT940 text (``\\n`` line ends, each closed by ``-``)."""
    out: list[str] = []
    for st in statements:
        number = st.statement_number + (f"/{st.sequence_number}" if st.sequence_number else "")
        out += [f":20:{st.transaction_reference}", f":25:{st.account}", f":28C:{number}"]
        out.append(_balance_tag("60F", st.opening_balance))
        for line in st.lines:
            out += _line_tags(line)
        out.append(_balance_tag("62F", st.closing_balance))
        if st.available_balance is not None:
            out.append(_balance_tag("64", st.available_balance))
        out.append("-")
    return ("\n".join(out) + "\n").encode("ascii")


class Mt940Format(WritableFormat):
    """Registry entry for SWIFT MT940 statements."""

    slug = "mt940"
    media_type = "application/x-swift-mt940"
    description = "SWIFT MT940 customer statement"

    def parse(self, data: bytes, *, source: str) -> ParseResult:
        return parse_mt940(data, source=source)

    def write(self, records: Sequence[Any], *, header: Any = None, **options: Any) -> bytes:
        return write_mt940(records)
