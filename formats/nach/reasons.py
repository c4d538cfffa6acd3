"""NACH ACH response flags and return reason codes, as data.

The sponsor bank fills column 154 (flag) and 155-156 (reason code) of each detail record
in the response file. The code table below is the one in ``specs/nach.md``; the business
meaning the servicing side acts on is carried as two flags:

- ``bounce``: the debit failed for want of funds (charge a bounce fee, re-present per policy);
- ``mandate_dead``: the mandate can never be debited again (stop presenting, alert
  collections, ask for a new mandate).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ResponseFlag(StrEnum):
    """Outcome of one presented debit, as the response file marks it."""

    SUCCESS = "1"
    RETURNED = "0"
    INITIAL_REJECT = "2"
    PENDING = "3"


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """One return reason: its code, what it means, and what servicing must do."""

    code: str
    description: str
    mandate_dead: bool = False
    bounce: bool = False


_DEAD = {"01", "02", "08", "14", "21", "61"}
_BOUNCE = {"04"}

_DESCRIPTIONS: dict[str, str] = {
    "01": "account closed or transferred",
    "02": "no such account",
    "03": "account description does not tally",
    "04": "balance insufficient",
    "05": "not arranged for",
    "06": "payment stopped by drawer",
    "07": "stopped under court order",
    "08": "mandate not received / UMRN does not exist",
    "09": "miscellaneous",
    "11": "invalid IFSC / MICR",
    "12": "mandate frequency mismatch",
    "13": "duplicate (already debited)",
    "14": "mandate expired",
    "21": "invalid UMRN or inactive mandate",
    "22": "mandate not valid for debit",
    "23": "debtor account mismatch",
    "24": "debtor bank mismatch",
    "25": "currency mismatch",
    "26": "amount exceeds mandate maximum",
    "27": "mandate amount mismatch",
    "28": "date before mandate start",
    "29": "date after mandate end",
    "30": "user number mismatch",
    "31": "duplicate reference",
    "32": "invalid date",
    "33": "item unwound",
    "34": "invalid amount",
    **{
        f"{n:02d}": "miscellaneous (KYC pending, dormant, limit, network failure)"
        for n in range(51, 60)
    },
    "60": "account holder expired",
    "61": "mandate cancelled",
    "68": "account blocked or frozen",
    **{f"{n:02d}": "technical / settlement" for n in range(70, 100)},
}

REASON_CODES: dict[str, ReasonCode] = {
    code: ReasonCode(code, text, mandate_dead=code in _DEAD, bounce=code in _BOUNCE)
    for code, text in _DESCRIPTIONS.items()
}

#: Reason-code values that mean "no reason" (presentation file, success, pending).
NO_REASON = frozenset({"", "00"})

#: Flags that must carry a reason code from :data:`REASON_CODES`.
FLAGS_NEEDING_REASON = frozenset({ResponseFlag.RETURNED, ResponseFlag.INITIAL_REJECT})
