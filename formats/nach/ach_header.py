"""The NACH ACH header record (the first of the file): who presents, when, and file totals.

Layout per ``specs/nach.md``. ``total_amount`` and ``total_items`` must equal the sum and
count of the detail records; ``checksum`` depends on the sponsor bank's algorithm (see
``formats.nach.ach.CHECKSUMS``). The writer fills totals and checksum when left as None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from formats.base import FormatWriteError, RecordError
from formats.fixed_width import Field, FieldKind, render
from lms_core.money import from_paise, to_paise

if TYPE_CHECKING:
    from formats.nach.ach import AchDetail

N, A, X = FieldKind.NUMERIC, FieldKind.ALPHA, FieldKind.FILLER
RECORD_LENGTH = 306
DATE_FORMAT = "%d%m%Y"

HEADER_LAYOUT: tuple[Field, ...] = (
    Field("ach_transaction_code", 1, 2, N),
    Field("control_3", 3, 7, X),
    Field("user_name", 10, 40, A, truncate=True),
    Field("control_50", 50, 14, X),
    Field("ach_file_number", 64, 9, A),
    Field("control_73", 73, 9, X),
    Field("control_82", 82, 15, X),
    Field("ledger_folio", 97, 3, A),
    Field("user_defined_limit_per_item", 100, 13, N),
    Field("total_amount", 113, 13, N),
    Field("settlement_date", 126, 8, N),
    Field("item_sequence_number", 134, 10, N),
    Field("checksum", 144, 10, N),
    Field("filler_154", 154, 3, X),
    Field("user_number", 157, 18, A),
    Field("user_reference", 175, 18, A),
    Field("sponsor_bank_ifsc", 193, 11, A),
    Field("user_bank_account_number", 204, 35, A),
    Field("total_items", 239, 9, N),
    Field("settlement_cycle", 248, 2, A),
    Field("filler_250", 250, 57, X),
)

_AMOUNTS = {"user_defined_limit_per_item", "total_amount"}
_INTEGERS = {"item_sequence_number", "checksum", "total_items"}


@dataclass(frozen=True, slots=True)
class AchHeader:
    """The file header. Amounts are Decimal rupees; the file carries paise."""

    user_name: str
    settlement_date: date
    user_number: str
    sponsor_bank_ifsc: str
    user_bank_account_number: str
    ach_file_number: str = ""
    ledger_folio: str = ""
    user_defined_limit_per_item: Decimal = Decimal("0.00")
    item_sequence_number: int = 0
    user_reference: str = ""
    settlement_cycle: str = ""
    total_amount: Decimal | None = None
    total_items: int | None = None
    checksum: int | None = None
    ach_transaction_code: str = "56"


def _convert(name: str, raw: str) -> object:
    if name in _AMOUNTS:
        return from_paise(int(raw))
    if name in _INTEGERS:
        return int(raw)
    if name == "settlement_date":
        try:
            return datetime.strptime(raw, DATE_FORMAT).date()
        except ValueError:
            raise ValueError(f"not a DDMMYYYY date: {raw!r}") from None
    return raw.rstrip()


def parse_header(line: str, *, source: str, line_number: int) -> tuple[AchHeader | None, list]:
    """Return the header in ``line`` (None if unusable) and its field errors."""
    values, errors = {}, []
    for field in HEADER_LAYOUT:
        if field.kind is X:
            continue
        raw = line[field.slice]
        if field.kind is N and not (raw.isascii() and raw.isdigit()):
            errors.append(RecordError(source, line_number, field.name, f"not a number: {raw!r}"))
            continue
        try:
            values[field.name] = _convert(field.name, raw)
        except ValueError as exc:
            errors.append(RecordError(source, line_number, field.name, str(exc), line))
    if errors:
        return None, errors
    return AchHeader(**values), errors


def complete_header(header: AchHeader, details: Sequence[AchDetail], checksum: int) -> AchHeader:
    """Return ``header`` with totals / checksum filled from ``details``.

    Raises FormatWriteError when a value given on the header disagrees with the details.
    """
    computed = {
        "total_amount": from_paise(sum(d.amount_paise for d in details)),
        "total_items": len(details),
        "checksum": checksum,
    }
    for name, value in computed.items():
        given = getattr(header, name)
        if given is not None and given != value:
            raise FormatWriteError(f"header {name} {given} disagrees with details ({value})")
    return replace(header, **computed)


def render_header(header: AchHeader, details: Sequence[AchDetail], checksum: int, code: str) -> str:
    """Return the 306-character header line for ``details`` with transaction ``code``."""
    full = complete_header(header, details, checksum)
    values = {f.name: getattr(full, f.name) for f in HEADER_LAYOUT if f.kind is not X}
    for name in _AMOUNTS:
        values[name] = to_paise(values[name])
    values["settlement_date"] = full.settlement_date.strftime(DATE_FORMAT)
    values["ach_transaction_code"] = code
    return render(HEADER_LAYOUT, {k: str(v) for k, v in values.items()}, RECORD_LENGTH)
