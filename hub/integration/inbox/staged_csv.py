"""The generic "staged CSV" handler: mapping file -> canonical records -> inbound_record.

Parsing streams the file through the mapping engine straight into a COPY into the
transaction's staging table, counting records and summing the amount as it goes; no
list of a million records is ever built. Control totals (``declared`` on the inbox
item: ``record_count``, ``amount_total``) are compared before anything is applied. Apply
is one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` keyed by the record's natural key
(``key_fields``), so a file received or reprocessed twice applies each record once.

A file that is not valid in its declared encoding is rejected whole, naming the line
and byte offset: a partner file with corrupt bytes is not trusted record by record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from hub.integration.inbox.handlers import (
    HandlerResult,
    InboxHandler,
    ItemContext,
    Outcome,
    rejected,
)
from lms_core.integration.enums import RecordOutcome
from lms_core.persistence.integration import inbox_repository
from mappings import Mapping, RecordError, apply_mapping

MAX_LISTED_OUTCOMES = 10_000  # why: a wholly bad 1M-line file must not write 1M rows


@dataclass
class _Tally:
    """Counts gathered while streaming (mutable on purpose: filled by the generator)."""

    records: int = 0
    bad_lines: set[int] = field(default_factory=set)
    amount: Decimal = Decimal(0)
    errors: list[RecordError] = field(default_factory=list)


@dataclass(frozen=True)
class Staged:
    tally: _Tally


def encoding_problem(data: bytes, encoding: str) -> str | None:
    """Return where ``data`` stops being valid ``encoding`` (line, byte offset), or None."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        return f"line {line}: byte 0x{bad} at offset {exc.start} is not valid {encoding}"
    except LookupError:
        return f"unknown encoding {encoding!r}"
    return None


class StagedCsvHandler(InboxHandler):
    """Stage a counterpart's CSV (any mapping the engine reads) as canonical records."""

    def __init__(
        self,
        mapping: Mapping,
        *,
        document_kind: str,
        key_fields: tuple[str, ...] = (),
        amount_field: str | None = None,
    ) -> None:
        self.mapping = mapping
        self.document_kind = document_kind
        self.key_fields = key_fields
        self.amount_field = amount_field

    def parse(self, session: Session, ctx: ItemContext, data: bytes) -> Staged | HandlerResult:
        encoding = self.mapping.options.get("encoding", "utf-8-sig")
        problem = encoding_problem(data, encoding)
        if problem:
            line = int(problem.split(":")[0].split()[1]) if problem.startswith("line") else 0
            return rejected(f"corrupt encoding: {problem}", line=line, field="(encoding)")
        tally = _Tally()
        inbox_repository.copy_to_staging(session, self._rows(ctx, data, tally))
        return Staged(tally)

    def _rows(self, ctx: ItemContext, data: bytes, tally: _Tally):
        keys, amount_field = self.key_fields, self.amount_field
        dumps = json.JSONEncoder(default=str, separators=(",", ":")).encode
        for item in apply_mapping(self.mapping, data):
            if isinstance(item, RecordError):
                tally.errors.append(item)
                if item.line not in tally.bad_lines:
                    tally.bad_lines.add(item.line)
                    tally.records += 1
                continue
            tally.records += 1
            values = item.values
            if amount_field:
                tally.amount += values.get(amount_field) or 0
            if keys:
                key = "|".join(str(values.get(k, "")) for k in keys)
            else:
                key = f"{ctx.sha256[:16]}:{item.line}"
            yield (item.line, key, dumps(values))

    def check_totals(self, ctx: ItemContext, parsed: Staged) -> str | None:
        tally, declared = parsed.tally, ctx.declared or {}
        whole_file = [e for e in tally.errors if e.line == 0]
        if whole_file:
            return f"{whole_file[0].field or 'file'}: {whole_file[0].message}"
        expected_count = declared.get("record_count")
        if expected_count is not None and int(expected_count) != tally.records:
            return f"control totals: {tally.records} records, trailer declares {expected_count}"
        expected_amount = declared.get("amount_total")
        if expected_amount is not None and self.amount_field:
            try:
                wanted = Decimal(str(expected_amount))
            except InvalidOperation:
                return f"control totals: declared amount {expected_amount!r} is not a number"
            if wanted != tally.amount:
                note = f" ({len(tally.bad_lines)} records quarantined)" if tally.bad_lines else ""
                return f"control totals: amounts sum to {tally.amount}, declared {wanted}{note}"
        return None

    def apply(self, session: Session, ctx: ItemContext, parsed: Staged) -> HandlerResult:
        tally = parsed.tally
        skipped = inbox_repository.apply_staging(
            session, ctx.tenant_id, ctx.item_id, self.document_kind
        )
        outcomes = [_quarantined(e) for e in tally.errors[:MAX_LISTED_OUTCOMES]]
        outcomes += self._duplicates(session, ctx, skipped[:MAX_LISTED_OUTCOMES])
        staged = tally.records - len(tally.bad_lines)
        return HandlerResult(
            applied=staged - len(skipped),
            duplicates=len(skipped),
            quarantined=len(tally.bad_lines),
            outcomes=tuple(outcomes),
        )

    def _duplicates(
        self, session: Session, ctx: ItemContext, skipped: list[tuple[int, str]]
    ) -> list[Outcome]:
        if not skipped:
            return []
        first = inbox_repository.first_applied(
            session, ctx.tenant_id, self.document_kind, [key for _, key in skipped]
        )
        return [
            Outcome(
                line,
                RecordOutcome.DUPLICATE,
                record_key=key,
                reason="already applied from inbox item {} line {}".format(*first[key]),
            )
            for line, key in skipped
        ]


def _quarantined(error: RecordError) -> Outcome:
    return Outcome(
        error.line,
        RecordOutcome.QUARANTINED,
        field=error.field,
        reason=f"mapping {error.mapping}: line {error.line}, field {error.field}: {error.message}",
    )


def canonical(values: dict[str, Any]) -> str:
    """Return the JSON text stored for a canonical record (decimals and dates as text)."""
    return json.dumps(values, default=str, separators=(",", ":"))
