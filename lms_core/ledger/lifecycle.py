"""The ledger journals of a loan's life-cycle changes, as pure builders over the chart.

A change (prepayment, foreclosure, restructure, write-off, settlement, recovery) is
booked from figures the hub has worked out (a quote, a loan's :class:`Position`, what
a waterfall took): each builder says which accounts they move and returns the journal.
Every posting is the own book's and names the loan. The shape of each, in posting order:

===================== ===========================================================
prepayment            Dr ESCROW_BANK total; Cr LOAN_PRINCIPAL the principal prepaid,
                      INTEREST_RECEIVABLE the accrual the old lines had (``realigned``
                      < 0), INTEREST_INCOME the rest of the interest, FEE_INCOME /
                      TAX_PAYABLE the charge and its GST
foreclosure billing   the closing line billed today: INTEREST_RECEIVABLE realigned
                      and moved to INTEREST_DUE (the interest accrued since the last
                      due date), FEES_RECEIVABLE the charge + GST (Cr FEE_INCOME,
                      TAX_PAYABLE)
restructure           Dr LOAN_PRINCIPAL the arrears capitalised / Cr INTEREST_DUE,
                      FEES_RECEIVABLE, PENAL_RECEIVABLE; the running period's accrual
                      realigned (INTEREST_RECEIVABLE against INTEREST_INCOME)
write-off             Dr INTEREST_SUSPENSE (interest never recognised),
                      WRITE_OFF_EXPENSE (the rest) / Cr every receivable
settlement            Dr ESCROW_BANK payment, INTEREST_SUSPENSE, WAIVER_EXPENSE (waived
                      amounts recognised as income) / Cr every receivable,
                      INTEREST_INCOME (suspense on interest collected),
                      BORROWER_ADVANCE (paid above the agreed amount)
recovery              Dr ESCROW_BANK / Cr RECOVERY_INCOME
===================== ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms_core.ledger import Journal, Posting
from lms_core.ledger.chart import Account
from lms_core.ledger.lines import present, signed
from lms_core.money import ZERO, Currency
from lms_core.waterfall import Component

_A = Account


@dataclass(frozen=True)
class Position:
    """The loan's own-book receivables (positive = owed by the borrower) and what it holds."""

    principal: Decimal
    interest_due: Decimal
    interest_receivable: Decimal
    fees: Decimal
    penal: Decimal
    suspense: Decimal  # interest not recognised as income (an NPA's)
    advance: Decimal  # paid in excess, held for the borrower

    @classmethod
    def of(cls, balances: Mapping[str, Decimal]) -> Position:
        """Return the position from ledger balances by account (debit > 0; absent = 0)."""
        get = lambda account: balances.get(account, ZERO)  # noqa: E731
        return cls(
            principal=get(_A.LOAN_PRINCIPAL),
            interest_due=get(_A.INTEREST_DUE),
            interest_receivable=get(_A.INTEREST_RECEIVABLE),
            fees=get(_A.FEES_RECEIVABLE),
            penal=get(_A.PENAL_RECEIVABLE),
            suspense=-get(_A.INTEREST_SUSPENSE),
            advance=-get(_A.BORROWER_ADVANCE),
        )

    @property
    def interest(self) -> Decimal:
        return self.interest_due + self.interest_receivable

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penal

    def by_component(self) -> dict[Component, Decimal]:
        return {
            Component.PRINCIPAL: self.principal,
            Component.INTEREST: self.interest,
            Component.FEE: self.fees,
            Component.PENALTY: self.penal,
        }


#: the accounts :meth:`Position.of` reads
POSITION_ACCOUNTS: tuple[Account, ...] = (
    _A.LOAN_PRINCIPAL,
    _A.INTEREST_DUE,
    _A.INTEREST_RECEIVABLE,
    _A.FEES_RECEIVABLE,
    _A.PENAL_RECEIVABLE,
    _A.INTEREST_SUSPENSE,
    _A.BORROWER_ADVANCE,
)


@dataclass(frozen=True, slots=True)
class Booking:
    """Where a change's journal goes: the loan, its currency and the business date."""

    loan_id: int
    currency: Currency
    day: date

    def line(self, account: Account, amount: Decimal) -> Posting | None:
        """Return the loan's posting of ``amount`` (debit > 0) on ``account``; None for 0."""
        return signed(account, amount, self.currency, self.loan_id)


def prepayment(
    at: Booking,
    total: Decimal,
    principal: Decimal,
    interest: Decimal,
    charge: Decimal,
    tax: Decimal,
    realigned: Decimal,
    ref: str | None,
) -> Journal:
    """Return the part prepayment's journal (``realigned``: the accrual the new lines
    say was earned by now less what the old lines accrued)."""
    lines = (
        at.line(_A.ESCROW_BANK, total),
        at.line(_A.LOAN_PRINCIPAL, -principal),
        at.line(_A.INTEREST_RECEIVABLE, realigned),
        at.line(_A.INTEREST_INCOME, -(interest + realigned)),
        at.line(_A.FEE_INCOME, -charge),
        at.line(_A.TAX_PAYABLE, -tax),
    )
    return Journal(
        "prepayment",
        at.day,
        present(lines),
        value_date=at.day,
        loan_id=at.loan_id,
        external_ref=f"prepayment:{ref}" if ref else None,
    )


def foreclosure_billing(
    at: Booking, accrued_interest: Decimal, charge: Decimal, tax: Decimal, realigned: Decimal
) -> Journal | None:
    """Return the billing of a foreclosure's closing line due today; None when it moves
    nothing."""
    lines = present(
        (
            at.line(_A.INTEREST_RECEIVABLE, realigned - accrued_interest),
            at.line(_A.INTEREST_INCOME, -realigned),
            at.line(_A.INTEREST_DUE, accrued_interest),
            at.line(_A.FEES_RECEIVABLE, charge + tax),
            at.line(_A.FEE_INCOME, -charge),
            at.line(_A.TAX_PAYABLE, -tax),
        )
    )
    return Journal("foreclosure_billing", at.day, lines, loan_id=at.loan_id) if lines else None


def restructure(
    at: Booking, interest: Decimal, fees: Decimal, penal: Decimal, realigned: Decimal
) -> Journal | None:
    """Return the capitalisation of the arrears ``interest``, ``fees`` and ``penal`` (the
    principal arrears stay principal) and the accrual realigned at the new terms."""
    lines = present(
        (
            at.line(_A.LOAN_PRINCIPAL, interest + fees + penal),
            at.line(_A.INTEREST_DUE, -interest),
            at.line(_A.FEES_RECEIVABLE, -fees),
            at.line(_A.PENAL_RECEIVABLE, -penal),
            at.line(_A.INTEREST_RECEIVABLE, realigned),
            at.line(_A.INTEREST_INCOME, -realigned),
        )
    )
    return Journal("restructure", at.day, lines, loan_id=at.loan_id) if lines else None


def write_off(at: Booking, pos: Position) -> Journal:
    """Return the write-off of every own-book receivable in ``pos`` to loss."""
    lines = (
        at.line(_A.INTEREST_SUSPENSE, pos.suspense),
        at.line(_A.WRITE_OFF_EXPENSE, pos.total - pos.suspense),
        *_receivables(at, pos),
    )
    return Journal("write_off", at.day, present(lines), loan_id=at.loan_id)


def settlement(
    at: Booking,
    paid: Decimal,
    agreed: Decimal,
    pos: Position,
    waived: Mapping[Component, Decimal],
    ref: str | None,
) -> Journal:
    """Return the settlement of ``pos`` by a payment of ``paid`` against ``agreed``.

    Waived interest comes out of suspense first (never recognised: no expense); the
    suspense on interest that was collected is released to income.
    """
    from_suspense = min(waived[Component.INTEREST], pos.suspense)
    released = pos.suspense - from_suspense
    lines = (
        at.line(_A.ESCROW_BANK, paid),
        at.line(_A.INTEREST_SUSPENSE, pos.suspense),
        at.line(_A.WAIVER_EXPENSE, sum(waived.values(), ZERO) - from_suspense),
        *_receivables(at, pos),
        at.line(_A.INTEREST_INCOME, -released),
        at.line(_A.BORROWER_ADVANCE, -(paid - agreed)),
    )
    return Journal(
        "settlement",
        at.day,
        present(lines),
        value_date=at.day,
        loan_id=at.loan_id,
        external_ref=f"settlement:{ref}" if ref else None,
    )


def recovery(at: Booking, amount: Decimal, ref: str | None) -> Journal:
    """Return a recovery of ``amount`` on a written-off loan."""
    lines = (at.line(_A.ESCROW_BANK, amount), at.line(_A.RECOVERY_INCOME, -amount))
    return Journal(
        "recovery",
        at.day,
        present(lines),
        value_date=at.day,
        loan_id=at.loan_id,
        external_ref=f"recovery:{ref}" if ref else None,
    )


def _receivables(at: Booking, pos: Position) -> tuple[Posting | None, ...]:
    """The credits that clear every receivable of ``pos``, in the chart's order."""
    return (
        at.line(_A.LOAN_PRINCIPAL, -pos.principal),
        at.line(_A.INTEREST_DUE, -pos.interest_due),
        at.line(_A.INTEREST_RECEIVABLE, -pos.interest_receivable),
        at.line(_A.FEES_RECEIVABLE, -pos.fees),
        at.line(_A.PENAL_RECEIVABLE, -pos.penal),
    )
