"""Per sponsor bank settings of NACH ACH files: transaction codes and checksum algorithm.

The spec marks the transaction codes (header 56, detail 67) as *unconfirmed*, and the
checksum differs by sponsor bank, so both are settings. Each checksum algorithm gives a
detail record's contribution; the detail's checksum field is that value and the header's
the sum over details, both modulo 10**10. The algorithms below are ASSUMPTIONS to be
confirmed with each bank: ``none`` (zeros), ``amount_sum`` (amount in paise),
``account_digits_sum`` (last 10 digits of the beneficiary account number).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formats.nach.ach import AchDetail

CHECKSUM_MODULUS = 10**10


def _account_digits(detail: AchDetail) -> int:
    digits = "".join(ch for ch in detail.beneficiary_account_number if ch.isdigit())
    return int(digits[-10:] or "0")


#: Checksum algorithms by name (see the module docstring).
CHECKSUMS: dict[str, Callable[[AchDetail], int]] = {
    "none": lambda detail: 0,
    "amount_sum": lambda detail: detail.amount_paise,
    "account_digits_sum": _account_digits,
}


@dataclass(frozen=True, slots=True)
class AchOptions:
    """Per sponsor bank settings; the defaults are *unconfirmed* values from the spec."""

    header_transaction_code: str = "56"
    detail_transaction_code: str = "67"
    checksum: str = "none"
    verify_checksum: bool = False

    def __post_init__(self) -> None:
        if self.checksum not in CHECKSUMS:
            raise ValueError(f"unknown checksum {self.checksum!r}: one of {', '.join(CHECKSUMS)}")

    def checksum_of(self, detail: AchDetail) -> int:
        """Return the detail's checksum field for the configured algorithm."""
        return CHECKSUMS[self.checksum](detail) % CHECKSUM_MODULUS

    def file_checksum(self, details: Iterable[AchDetail]) -> int:
        """Return the header's checksum field over ``details``."""
        item = CHECKSUMS[self.checksum]
        return sum(item(d) for d in details) % CHECKSUM_MODULUS
