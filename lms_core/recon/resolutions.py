"""Closing a reconciliation break without a match: the kinds, the reasons and the journal.

A break means the escrow bank and our books disagree. Closing it without a match books
the difference so they agree again, in one balanced journal whose escrow side follows
which way they disagree:

==========================================  =====================  ======================
break                                        bank vs books          escrow posting
==========================================  =====================  ======================
actual credit (money in nobody expected)     bank holds more        Dr ESCROW_BANK
expected debit (a payout that never left)    bank holds more        Dr ESCROW_BANK
actual debit (money out nobody expected)     bank holds less        Cr ESCROW_BANK
expected credit (money that never came)      bank holds less        Cr ESCROW_BANK
==========================================  =====================  ======================

The other side is SUSPENSE_RECEIPTS for an **adjustment** (parked, to be worked: refund,
re-allocation) or WRITE_OFF_EXPENSE for a **write-off** (accepted in profit and loss).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms_core.ledger import Account, Journal, credit, debit


class ResolutionKind(StrEnum):
    ADJUSTMENT = "adjustment"  # book the difference to suspense, to be worked later
    WRITE_OFF = "write_off"  # accept the difference in profit and loss


class ResolutionStatus(StrEnum):
    PENDING = "pending"  # waiting for a second user's approval
    APPLIED = "applied"
    REJECTED = "rejected"


class ReasonCode(StrEnum):
    """Why a difference is booked rather than matched (shown on reports and journals)."""

    BANK_CHARGES = "bank_charges"
    ROUNDING = "rounding"
    UNIDENTIFIED_CREDIT = "unidentified_credit"
    DUPLICATE_CREDIT = "duplicate_credit"
    SHORT_RECEIPT = "short_receipt"
    PAYOUT_NOT_EXECUTED = "payout_not_executed"
    TIMING_DIFFERENCE = "timing_difference"
    OTHER = "other"


COUNTER_ACCOUNT = {
    ResolutionKind.ADJUSTMENT: Account.SUSPENSE_RECEIPTS,
    ResolutionKind.WRITE_OFF: Account.WRITE_OFF_EXPENSE,
}
# (side, direction) -> True when the bank holds more than our books
_BANK_HOLDS_MORE = {
    ("actual", "credit"): True,
    ("expected", "debit"): True,
    ("actual", "debit"): False,
    ("expected", "credit"): False,
}


def resolution_journal(
    *,
    break_id: int,
    side: str,
    direction: str,
    reason: str,
    kind: ResolutionKind,
    amount: Decimal,
    on: date,
    resolution_id: int,
) -> Journal:
    """Return the balanced journal that books ``amount`` of the break (see the table)."""
    other = COUNTER_ACCOUNT[kind]
    if _BANK_HOLDS_MORE[(side, direction)]:
        postings = (debit(Account.ESCROW_BANK, amount), credit(other, amount))
    else:
        postings = (debit(other, amount), credit(Account.ESCROW_BANK, amount))
    return Journal(
        kind=f"recon_{kind}",
        business_date=on,
        postings=postings,
        description=f"reconciliation break {break_id}: {kind} ({reason})",
        external_ref=f"recon-resolution:{resolution_id}",
    )
