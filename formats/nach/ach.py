"""NACH ACH debit presentation and response files (fixed width, 306 characters a record).

The lender, through its sponsor bank, presents one file per settlement: a header record
(file totals) followed by one detail record per debit against a registered mandate (UMRN).
The bank returns the same layout with the detail flag (column 154) and reason code
(155-156) filled in. Positions below are those of ``specs/nach.md`` (1-based, inclusive)
and field names are the spec's, in snake case; ``amount`` is held as ``amount_paise``
(whole paise, exactly as the file carries it) with a Decimal-rupee ``amount`` property.

Configurable, because the values are *unconfirmed* or differ per sponsor bank
(:class:`AchOptions`): the header / detail transaction codes (default 56 / 67) and the
checksum algorithm (:data:`CHECKSUMS`: ``none``, ``amount_sum``, ``account_digits_sum``;
each is an assumption to confirm with the bank).

Parsing is streaming (:class:`AchStream` consumes any iterable of lines) and cheap: one
``itemgetter`` of precomputed slices per record, amounts kept as ``int`` paise until asked.
Validation: record length, numeric amount, known transaction code, flag and reason code,
unique item sequence number, and the header's total amount / total items against the
details (a file that disagrees is rejected whole: no records, ``ControlCheck.FAILED``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from formats.base import (
    ControlCheck,
    FormatWriteError,
    ParseResult,
    RecordError,
    WritableFormat,
)
from formats.fixed_width import Field, FieldKind, render
from formats.nach.ach_header import HEADER_LAYOUT, AchHeader, parse_header, render_header
from formats.nach.ach_options import CHECKSUM_MODULUS, CHECKSUMS, AchOptions
from formats.nach.reasons import (
    FLAGS_NEEDING_REASON,
    NO_REASON,
    REASON_CODES,
    ReasonCode,
    ResponseFlag,
)
from lms_core.money import from_paise, to_paise

__all__ = [
    "CHECKSUMS",
    "HEADER_LAYOUT",
    "AchDetail",
    "AchHeader",
    "AchOptions",
    "AchOutcome",
    "AchStream",
    "NachAchFormat",
    "ReasonCode",
    "ResponseFlag",
    "parse_ach",
    "write_ach",
]

RECORD_LENGTH = 306
N, A, X = FieldKind.NUMERIC, FieldKind.ALPHA, FieldKind.FILLER

DETAIL_LAYOUT: tuple[Field, ...] = (
    Field("transaction_code", 1, 2, N),
    Field("control_3", 3, 9, X),
    Field("destination_account_type", 12, 2, A),
    Field("ledger_folio", 14, 3, A),
    Field("control_17", 17, 15, X),
    Field("beneficiary_name", 32, 40, A, truncate=True),
    Field("control_72", 72, 9, X),
    Field("control_81", 81, 7, X),
    Field("user_name_narration", 88, 20, A, truncate=True),
    Field("control_108", 108, 13, X),
    Field("amount_paise", 121, 13, N),
    Field("ach_item_sequence_number", 134, 10, N),
    Field("checksum", 144, 10, N),
    Field("flag", 154, 1, A),
    Field("reason_code", 155, 2, A),
    Field("destination_bank_ifsc", 157, 11, A),
    Field("beneficiary_account_number", 168, 35, A),
    Field("sponsor_bank_ifsc", 203, 11, A),
    Field("user_number", 214, 18, A),
    Field("transaction_reference", 232, 30, A),
    Field("product_type", 262, 3, A),
    Field("beneficiary_aadhaar", 265, 15, A),
    Field("umrn", 280, 20, A),
    Field("filler_300", 300, 7, X),
)


class AchDetail(NamedTuple):
    """One debit (presentation) or its outcome (response). Immutable.

    A NamedTuple rather than a dataclass: building a million of them is the hot path of
    the response parser, and ``tuple.__new__`` is several times cheaper.
    """

    transaction_code: str = "67"
    destination_account_type: str = ""
    ledger_folio: str = ""
    beneficiary_name: str = ""
    user_name_narration: str = ""
    amount_paise: int = 0
    ach_item_sequence_number: int = 0
    checksum: int = 0
    flag: ResponseFlag | None = None
    reason_code: str = ""
    destination_bank_ifsc: str = ""
    beneficiary_account_number: str = ""
    sponsor_bank_ifsc: str = ""
    user_number: str = ""
    transaction_reference: str = ""
    product_type: str = ""
    beneficiary_aadhaar: str = ""
    umrn: str = ""

    @classmethod
    def of(cls, *, amount: Decimal, **fields: Any) -> AchDetail:
        """Return a detail for ``amount`` rupees (exact to the paisa; raises MoneyError)."""
        return cls(amount_paise=to_paise(amount), **fields)

    @property
    def amount(self) -> Decimal:
        """The amount in rupees, scale 2."""
        return from_paise(self.amount_paise)

    @property
    def reason(self) -> ReasonCode | None:
        """The return reason, or None for success / pending / presentation."""
        return REASON_CODES.get(self.reason_code)


_SLICES = {f.name: f.slice for f in DETAIL_LAYOUT}
#: Validated fields first, in this order, for every view: code, amount, seq, checksum,
#: flag, reason; then the fields the view keeps.
_CHECKED = ("transaction_code", "amount_paise", "ach_item_sequence_number", "checksum")
_CHECKED += ("flag", "reason_code")
_FULL_REST = tuple(f.name for f in DETAIL_LAYOUT if f.kind is not X and f.name not in _CHECKED)
_OUTCOME_REST = ("transaction_reference", "umrn")
_FLAGS: dict[str, ResponseFlag | None] = {" ": None, **{f.value: f for f in ResponseFlag}}
_NEW = tuple.__new__


class AchOutcome(NamedTuple):
    """The fields of a response record that reconciliation needs (the fast view)."""

    ach_item_sequence_number: int
    amount_paise: int
    flag: ResponseFlag | None
    reason_code: str
    transaction_reference: str
    umrn: str

    @property
    def amount(self) -> Decimal:
        return from_paise(self.amount_paise)

    @property
    def reason(self) -> ReasonCode | None:
        return REASON_CODES.get(self.reason_code)


def _full(
    f: tuple[str, ...], amount: int, seq: int, checksum: int, flag: ResponseFlag | None, reason: str
) -> AchDetail:
    return _NEW(AchDetail, (
        f[0], f[6].rstrip(), f[7].rstrip(), f[8].rstrip(), f[9].rstrip(), amount, seq,
        checksum, flag, reason, f[10].rstrip(), f[11].rstrip(), f[12].rstrip(), f[13].rstrip(),
        f[14].rstrip(), f[15].rstrip(), f[16].rstrip(), f[17].rstrip(),
    ))  # fmt: skip


def _outcome(
    f: tuple[str, ...], amount: int, seq: int, checksum: int, flag: ResponseFlag | None, reason: str
) -> AchOutcome:
    return _NEW(AchOutcome, (seq, amount, flag, reason, f[6].rstrip(), f[7].rstrip()))


#: The record views a stream can build: name -> (slices getter, builder).
VIEWS: dict[str, tuple[Callable, Callable]] = {
    "full": (itemgetter(*(_SLICES[n] for n in _CHECKED + _FULL_REST)), _full),
    "outcome": (itemgetter(*(_SLICES[n] for n in _CHECKED + _OUTCOME_REST)), _outcome),
}


class AchStream:
    """Streaming parse of one ACH file: iterate to get valid details, then read
    ``header``, ``errors`` and ``control`` (complete once iteration has finished).

    ``view="outcome"`` builds :class:`AchOutcome` (6 fields) instead of :class:`AchDetail`
    with the same validation; checksum verification needs the full view.
    """

    def __init__(
        self, lines: Iterable[str], *, source: str, options: AchOptions, view: str = "full"
    ) -> None:
        if options.verify_checksum and view != "full":
            raise ValueError("checksum verification needs view='full'")
        self.source, self.options, self.view = source, options, view
        self.header: AchHeader | None = None
        self.errors: list[RecordError] = []
        self.control = ControlCheck.NOT_APPLICABLE
        self._lines = lines
        self._total_paise = self._count = self._checksum = self._header_line = 0

    def _error(self, line: int, field: str, message: str, raw: str | None = None) -> None:
        self.errors.append(RecordError(self.source, line, field, message, raw))

    def __iter__(self) -> Iterator[Any]:
        seen: set[int] = set()
        code, flags, reasons = self.options.detail_transaction_code, _FLAGS, REASON_CODES
        needs_reason = FLAGS_NEEDING_REASON
        (get, build), verify = VIEWS[self.view], self.options.verify_checksum
        total = count = 0
        for number, text in enumerate(self._lines, 1):
            line = text.rstrip("\r\n")
            if len(line) != RECORD_LENGTH:
                self._bad_length(number, line)
                continue
            f = get(line)
            if f[0] != code:
                self._other_record(number, line)
                continue
            amount, flag_char, reason = f[1], f[4], f[5].rstrip()
            if not (amount.isascii() and amount.isdigit()):
                self._error(number, "amount", f"not a number: {amount!r}", line)
                continue
            flag = flags.get(flag_char, "?")
            if flag == "?" or (
                reason not in reasons and (reason not in NO_REASON or flag in needs_reason)
            ):
                self._bad_outcome(number, flag_char, reason, line)
                continue
            seq, checksum = _number(f[2]), _number(f[3])
            if seq is None or checksum is None:
                self._bad_numbers(number, f[2], f[3], line)
                continue
            if seq in seen:
                self._error(number, "ach_item_sequence_number", f"duplicate {seq}", line)
                continue
            seen.add(seq)
            paise = int(amount)
            record = build(f, paise, seq, checksum, flag, reason)
            if verify and not self._checksum_ok(number, record):
                continue
            total += paise
            count += 1
            yield record
        self._total_paise, self._count = total, count
        self._finish()

    def _bad_length(self, number: int, line: str) -> None:
        if line.strip():
            message = f"record is {len(line)} characters, expected {RECORD_LENGTH}"
            self._error(number, "record", message, line)

    def _other_record(self, number: int, line: str) -> None:
        if line[:2] != self.options.header_transaction_code:
            message = f"unknown transaction code {line[:2]!r}"
            self._error(number, "transaction_code", message, line)
        elif self._header_line:
            self._error(number, "ach_transaction_code", "second header record", line)
        else:
            self._header_line = number
            self.header, errors = parse_header(line, source=self.source, line_number=number)
            self.errors.extend(errors)
            if number != 1:
                self._error(number, "ach_transaction_code", "header is not the first record")

    def _bad_outcome(self, number: int, flag_char: str, reason: str, line: str) -> None:
        if flag_char not in _FLAGS:
            self._error(number, "flag", f"unknown response flag {flag_char!r}", line)
        elif reason in NO_REASON:
            self._error(number, "reason_code", f"flag {flag_char} needs a reason code", line)
        else:
            self._error(number, "reason_code", f"unknown reason code {reason!r}", line)

    def _bad_numbers(self, number: int, seq: str, checksum: str, line: str) -> None:
        if _number(seq) is None:
            self._error(number, "ach_item_sequence_number", f"not a number: {seq!r}", line)
        if _number(checksum) is None:
            self._error(number, "checksum", f"not a number: {checksum!r}", line)

    def _checksum_ok(self, number: int, detail: AchDetail) -> bool:
        expected = self.options.checksum_of(detail)
        self._checksum += CHECKSUMS[self.options.checksum](detail)
        if detail.checksum != expected:
            self._error(number, "checksum", f"is {detail.checksum}, expected {expected}")
            return False
        return True

    def _finish(self) -> None:
        if not self._header_line and not self.errors and not self._count:
            self._error(0, "file", "empty file")
        elif not self._header_line:
            self._error(0, "header", "no header record")
        self.control = self._control()

    def _control(self) -> ControlCheck:
        header = self.header
        if header is None:
            return ControlCheck.FAILED
        failed = False
        total = from_paise(self._total_paise)
        if header.total_amount != total:
            self._error(0, "total_amount", f"header {header.total_amount} != details {total}")
            failed = True
        if header.total_items != self._count:
            self._error(0, "total_items", f"header {header.total_items} != details {self._count}")
            failed = True
        if self.options.verify_checksum and header.checksum != self._checksum % CHECKSUM_MODULUS:
            self._error(0, "checksum", f"header checksum {header.checksum} does not match")
            failed = True
        return ControlCheck.FAILED if failed else ControlCheck.PASSED


def _number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() else None


def parse_ach(
    data: bytes | Iterable[str], *, source: str, options: AchOptions | None = None
) -> ParseResult:
    """Return header, details and errors of an ACH presentation or response file.

    ``data`` is the file's bytes or any iterable of text lines (an open file streams).
    A failed control total empties ``records`` (the file is rejected whole).
    """
    lines = data.decode("latin-1").split("\n") if isinstance(data, bytes) else data
    stream = AchStream(lines, source=source, options=options or AchOptions())
    details = tuple(stream)
    if stream.control is ControlCheck.FAILED:
        details = ()
    return ParseResult(stream.header, details, tuple(stream.errors), stream.control)


def _detail_values(detail: AchDetail, options: AchOptions) -> dict[str, str]:
    values = {k: str(v) for k, v in detail._asdict().items()}
    values["flag"] = detail.flag.value if detail.flag else ""
    values["checksum"] = str(options.checksum_of(detail))
    values["transaction_code"] = options.detail_transaction_code
    return values


def write_ach(
    header: AchHeader, details: Sequence[AchDetail], *, options: AchOptions | None = None
) -> bytes:
    """Return the ACH file for ``header`` + ``details`` (CRLF-free, ``\\n`` separated).

    Header totals and checksum are computed from the details when left as None; given
    values that disagree raise :class:`~formats.base.FormatWriteError`.
    """
    if not isinstance(header, AchHeader):
        raise FormatWriteError(f"an ACH file needs an AchHeader, got {type(header).__name__}")
    opts = options or AchOptions()
    checksum, code = opts.file_checksum(details), opts.header_transaction_code
    lines = [render_header(header, details, checksum, code)]
    lines += [render(DETAIL_LAYOUT, _detail_values(d, opts), RECORD_LENGTH) for d in details]
    return ("\n".join(lines) + "\n").encode("ascii")


class NachAchFormat(WritableFormat):
    """Registry entry for NACH ACH presentation / response files."""

    slug = "nach_ach"
    media_type = "text/plain"
    description = "NACH ACH debit presentation / response, 306-character fixed width"

    def __init__(self, options: AchOptions | None = None) -> None:
        self.options = options or AchOptions()

    def parse(self, data: bytes, *, source: str) -> ParseResult:
        return parse_ach(data, source=source, options=self.options)

    def write(self, records: Sequence[Any], *, header: Any = None, **options: Any) -> bytes:
        opts = AchOptions(**options) if options else self.options
        return write_ach(header, records, options=opts)
