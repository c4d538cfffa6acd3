"""The integration hub's vocabulary: channels, inbox and outbound states, record
outcomes, alert kinds (values stored in the database's CHECK constraints).
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    FILE = "file"
    WEBHOOK = "webhook"
    API = "api"


class InboxStatus(StrEnum):
    RECEIVED = "received"  # stored, waiting for a worker
    PROCESSING = "processing"  # claimed by a worker holding a lease
    APPLIED = "applied"  # every record applied or a known duplicate
    PARTIAL = "partial"  # applied, but some records were quarantined
    REJECTED = "rejected"  # refused whole (totals, encoding, signature), nothing applied
    FAILED = "failed"  # the handler failed or the attempts ran out; reprocess when fixed


class RecordOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


class OutboundStatus(StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DEAD = "dead"


class AttemptOutcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"


class AlertKind(StrEnum):
    FILE_SLA = "file_sla"  # an expected file had not arrived by its cut-off
    MANDATE_CANCEL_REJECTED = "mandate_cancel_rejected"  # bank / PSP refused our cancellation
