"""Reconciliation's vocabulary: expected sources, directions, item, statement, group,
posting, break and run states (values stored in the database's CHECK constraints).
"""

from __future__ import annotations

from enum import StrEnum


class ExpectedSource(StrEnum):
    NACH = "nach"
    UPI = "upi"
    DISBURSEMENT = "disbursement"
    PARTNER_FUNDING = "partner_funding"
    PARTNER_SETTLEMENT = "partner_settlement"
    SCF = "scf"
    MANUAL = "manual"


class Direction(StrEnum):
    CREDIT = "credit"  # money into the escrow account
    DEBIT = "debit"  # money out of it


class ExpectedStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CANCELLED = "cancelled"


class StatementStatus(StrEnum):
    ACCEPTED = "accepted"
    HELD = "held"  # a gap in sequence numbers before it


class ActualKind(StrEnum):
    MT940 = "mt940"
    CAMT053 = "camt.053"
    CAMT054 = "camt.054"
    BANK_CSV = "bank_csv"
    UTR_FEED = "utr_feed"


class GroupStatus(StrEnum):
    CONFIRMED = "confirmed"
    UNDONE = "undone"


class PostingStatus(StrEnum):
    NOT_NEEDED = "not_needed"
    POSTED = "posted"
    FAILED = "failed"


class BreakStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # matched later (by a run or by hand)
    RESOLVED = "resolved"  # adjusted / written off at the desk


class BreakSide(StrEnum):
    ACTUAL = "actual"
    EXPECTED = "expected"


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
