"""Inbox handler: a repayments file (CSV through a mapping) applied by the bulk path.

The file is stored raw by the inbox first; this handler maps it
(``mappings/bulk_repayments/default.yaml`` unless another mapping is given), checks the
declared control totals, and posts the records through
:func:`hub.loans.bulk_repayments.post_repayments` in the worker's transaction.
Per-record outcomes: *applied*, *duplicate* (reference posted before) or *quarantined*
(a mapping error or a refused payment, naming the line and field). A file received
again posts nothing twice: references are unique per tenant.

Registered for counterpart kind ``repayments_file`` (any document kind) by
:func:`register`; a deployment calls it once at start-up (jobs, CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.integration.inbox.handlers import (
    ANY_KIND,
    HANDLERS,
    HandlerRegistry,
    HandlerResult,
    InboxHandler,
    ItemContext,
    Outcome,
    rejected,
)
from hub.integration.inbox.staged_csv import MAX_LISTED_OUTCOMES, encoding_problem
from hub.loans.bulk_repayments import PaymentRecord, Result, post_repayments
from lms_core.integration.enums import RecordOutcome
from mappings import Mapping, RecordError, apply_mapping, load_mapping, mapping_path

COUNTERPART_KIND = "repayments_file"


@dataclass(frozen=True)
class Parsed:
    records: tuple[PaymentRecord, ...]
    errors: tuple[RecordError, ...]
    amount: Decimal


class BulkRepaymentsHandler(InboxHandler):
    """Map a repayments file and post it through the bulk repayment service."""

    def __init__(self, mapping: Mapping | None = None, actor: str = "inbox") -> None:
        self.mapping = mapping or load_mapping(mapping_path("bulk_repayments", "default"))
        self.actor = actor

    def parse(self, session: Session, ctx: ItemContext, data: bytes) -> Parsed | HandlerResult:
        problem = encoding_problem(data, self.mapping.options.get("encoding", "utf-8-sig"))
        if problem:
            return rejected(f"corrupt encoding: {problem}", field="(encoding)")
        records, errors, total = [], [], Decimal(0)
        for item in apply_mapping(self.mapping, data):
            if isinstance(item, RecordError):
                errors.append(item)
                continue
            v = item.values
            records.append(
                PaymentRecord(
                    record=item.line,
                    amount=v["amount"],
                    external_ref=v.get("external_ref") or "",
                    loan_id=v.get("loan_id"),
                    loan_number=v.get("loan_number"),
                    value_date=v.get("value_date"),
                    channel=v.get("channel") or "neft",
                    currency=v.get("currency") or "INR",
                    reference=v.get("reference"),
                )
            )
            total += v["amount"]
        return Parsed(tuple(records), tuple(errors), total)

    def check_totals(self, ctx: ItemContext, parsed: Parsed) -> str | None:
        whole = [e for e in parsed.errors if e.line == 0]
        if whole:
            return f"{whole[0].field or 'file'}: {whole[0].message}"
        declared = ctx.declared or {}
        count = len(parsed.records) + len({e.line for e in parsed.errors})
        if declared.get("record_count") is not None and int(declared["record_count"]) != count:
            return f"control totals: {count} records, declared {declared['record_count']}"
        wanted = declared.get("amount_total")
        if wanted is not None and not parsed.errors and Decimal(str(wanted)) != parsed.amount:
            return f"control totals: amounts sum to {parsed.amount}, declared {wanted}"
        return None

    def apply(self, session: Session, ctx: ItemContext, parsed: Parsed) -> HandlerResult:
        result = post_repayments(session, ctx.tenant_id, parsed.records, self.actor)
        outcomes = [_mapping_outcome(e) for e in parsed.errors]
        for o in result.outcomes:
            if o.result is Result.APPLIED:
                continue  # counted; listing a million applied lines helps nobody
            kind = (
                RecordOutcome.DUPLICATE
                if o.result is Result.DUPLICATE
                else RecordOutcome.QUARANTINED
            )
            outcomes.append(Outcome(o.record, kind, o.external_ref, o.field, o.reason))
        bad_lines = len({e.line for e in parsed.errors})
        return HandlerResult(
            applied=result.count(Result.APPLIED),
            duplicates=result.count(Result.DUPLICATE),
            quarantined=result.count(Result.REJECTED) + bad_lines,
            outcomes=tuple(outcomes[:MAX_LISTED_OUTCOMES]),
        )


def _mapping_outcome(error: RecordError) -> Outcome:
    return Outcome(
        error.line,
        RecordOutcome.QUARANTINED,
        field=error.field,
        reason=f"mapping {error.mapping}: line {error.line}, field {error.field}: {error.message}",
    )


def register(registry: HandlerRegistry = HANDLERS, mapping: Mapping | None = None) -> None:
    """Register the handler for repayments files (kind ``repayments_file``)."""
    registry.register(COUNTERPART_KIND, ANY_KIND, BulkRepaymentsHandler(mapping))


register()  # at import, like every handler module listed in hub.integration.inbox.handlers
