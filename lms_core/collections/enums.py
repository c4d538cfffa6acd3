"""The collections rails' vocabulary: mandate kinds and statuses, cancellation and
presentation states (values stored in the database's CHECK constraints).
"""

from __future__ import annotations

from enum import StrEnum


class MandateKind(StrEnum):
    NACH_PHYSICAL = "nach_physical"
    NACH_EMANDATE = "nach_emandate"
    UPI_AUTOPAY = "upi_autopay"


class MandateStatus(StrEnum):
    INITIATED = "initiated"  # created, not yet sent
    SUBMITTED = "submitted"  # sent to the sponsor bank / PSP, awaiting its answer
    REGISTERED = "registered"  # accepted: reference (UMRN / UMN) known, debits allowed
    REJECTED = "rejected"  # refused at registration (reason code kept)
    PAUSED = "paused"  # UPI AutoPay: the payer paused it
    CANCEL_REQUESTED = "cancel_requested"  # we asked the bank / PSP to cancel: no debits
    CANCEL_REJECTED = "cancel_rejected"  # the bank / PSP refused our cancellation (code kept)
    CANCELLED = "cancelled"  # confirmed by the bank / PSP, revoked by the payer, or never sent
    EXPIRED = "expired"  # end date passed
    DEAD = "dead"  # a debit returned with a dead-mandate code (account closed ...)


class MandateEventKind(StrEnum):
    INITIATED = "initiated"
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    REJECTED = "rejected"
    AMENDED = "amended"
    PAUSED = "paused"
    RESUMED = "resumed"
    CANCEL_REQUESTED = "cancel_requested"
    REFERENCE_KNOWN = "reference_known"  # registered by the bank after we asked to cancel
    CANCEL_SENT = "cancel_sent"  # in a pain.011 batch / revoke accepted by the PSP
    CANCEL_REJECTED = "cancel_rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DEAD = "dead"


class CancelRail(StrEnum):
    """Who must hear of a cancellation: the sponsor bank (pain.011) or the PSP (revoke)."""

    NACH = "nach"
    UPI = "upi"


class CancellationStatus(StrEnum):
    PENDING = "pending"  # recorded; not yet in a batch / not yet accepted by the PSP's API
    SENT = "sent"  # in a queued pain.011 batch / revoke call accepted: awaiting the answer
    ACCEPTED = "accepted"  # the bank's pain.012 / the PSP's cancelled webhook confirmed it
    REJECTED = "rejected"  # refused, with the counterpart's code and reason
    MOOT = "moot"  # the bank refused the mandate's registration: nothing left to cancel


class AmountRule(StrEnum):
    FIXED = "fixed"
    MAXIMUM = "max"


class PresentationStatus(StrEnum):
    QUEUED = "queued"  # file built, in the outbox for the bank
    RESPONDED = "responded"  # the bank's response was applied


class ItemStatus(StrEnum):
    PRESENTED = "presented"
    COLLECTED = "collected"  # success: repayment posted
    RETURNED = "returned"  # bounced; may be re-presented
    PENDING = "pending"  # the bank reported it pending
