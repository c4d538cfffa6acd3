"""Schedule lines and the schedule: what a loan's borrower pays, installment by installment.

A :class:`ScheduleLine` is a NamedTuple (immutable, and cheap to build in the hot loop:
a 240-installment schedule builds 240 of them). ``principal + interest + fees == total``
on every line; ``balance`` is the principal outstanding after the line is paid.

A :class:`Schedule` carries the lines plus the figures decided at disbursement: the
financed amount (principal less down payment), upfront fees, the broken-period interest
charged separately, interest capitalised during a moratorium, and the regular
installment (the EMI, or the first amortizing installment of a shaped schedule).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lms_core.money import ZERO, Currency, RoundingMode

DECIMAL_MODES: dict[RoundingMode, str] = {
    RoundingMode.UP: decimal.ROUND_UP,
    RoundingMode.DOWN: decimal.ROUND_DOWN,
    RoundingMode.CEILING: decimal.ROUND_CEILING,
    RoundingMode.FLOOR: decimal.ROUND_FLOOR,
    RoundingMode.HALF_UP: decimal.ROUND_HALF_UP,
    RoundingMode.HALF_DOWN: decimal.ROUND_HALF_DOWN,
    RoundingMode.HALF_EVEN: decimal.ROUND_HALF_EVEN,
}


class ScheduleLine(NamedTuple):
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal
    balance: Decimal


class Totals(NamedTuple):
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    """A repayment schedule and the amounts settled at disbursement."""

    lines: tuple[ScheduleLine, ...]
    financed: Decimal
    installment: Decimal
    currency: Currency = Currency.INR
    down_payment: Decimal = ZERO
    upfront_fees: Decimal = ZERO
    bpi_separate: Decimal = ZERO
    capitalised_interest: Decimal = ZERO

    def totals(self) -> Totals:
        """Return the column sums of the lines."""
        principal = interest = fees = ZERO
        for line in self.lines:
            principal += line.principal
            interest += line.interest
            fees += line.fees
        return Totals(principal, interest, fees, principal + interest + fees)

    def net_disbursed(self) -> Decimal:
        """Return the amount the borrower effectively receives (the APR's starting point)."""
        return self.financed - self.upfront_fees - self.bpi_separate
