"""The chart of accounts: every account a journal may name, as a StrEnum, with its type.

:class:`Account` is the one list; :data:`STANDARD_CHART` (the rows created for every
tenant) is generated from it, so the two cannot drift. Journals name ``Account`` members,
never strings. A new account is a member here plus a migration that creates its row for
existing tenants (``ledger_repository.ensure_chart`` does it for new ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class Account(StrEnum):
    # assets
    LOAN_PRINCIPAL = "LOAN_PRINCIPAL"
    INTEREST_RECEIVABLE = "INTEREST_RECEIVABLE"
    INTEREST_DUE = "INTEREST_DUE"
    FEES_RECEIVABLE = "FEES_RECEIVABLE"
    PENAL_RECEIVABLE = "PENAL_RECEIVABLE"
    ESCROW_BANK = "ESCROW_BANK"
    OPERATING_BANK = "OPERATING_BANK"
    DUE_FROM_PARTNER = "DUE_FROM_PARTNER"
    CASH_COLLATERAL = "CASH_COLLATERAL"
    CASH_IN_TRANSIT = "CASH_IN_TRANSIT"
    # liabilities
    SUSPENSE_RECEIPTS = "SUSPENSE_RECEIPTS"
    BORROWER_ADVANCE = "BORROWER_ADVANCE"
    DISBURSEMENT_PAYABLE = "DISBURSEMENT_PAYABLE"
    DUE_TO_PARTNER = "DUE_TO_PARTNER"
    DUE_TO_INVESTOR = "DUE_TO_INVESTOR"
    THIRD_PARTY_PAYABLE = "THIRD_PARTY_PAYABLE"
    TAX_PAYABLE = "TAX_PAYABLE"
    INTEREST_SUSPENSE = "INTEREST_SUSPENSE"
    DLG_PAYABLE = "DLG_PAYABLE"
    UNEARNED_DISCOUNT = "UNEARNED_DISCOUNT"
    SUPPLIER_PAYABLE = "SUPPLIER_PAYABLE"
    # equity
    CAPITAL = "CAPITAL"
    # income
    INTEREST_INCOME = "INTEREST_INCOME"
    FEE_INCOME = "FEE_INCOME"
    PENAL_INCOME = "PENAL_INCOME"
    RECOVERY_INCOME = "RECOVERY_INCOME"
    DISCOUNT_INCOME = "DISCOUNT_INCOME"
    SERVICING_FEE_INCOME = "SERVICING_FEE_INCOME"
    GAIN_ON_TRANSFER = "GAIN_ON_TRANSFER"
    # expenses
    WRITE_OFF_EXPENSE = "WRITE_OFF_EXPENSE"
    WAIVER_EXPENSE = "WAIVER_EXPENSE"
    ROUNDING = "ROUNDING"
    LOSS_ON_TRANSFER = "LOSS_ON_TRANSFER"


_A, _T = Account, AccountType

#: name and type of every account (a test checks every member has one)
ACCOUNTS: dict[Account, tuple[str, AccountType]] = {
    _A.LOAN_PRINCIPAL: ("Loans: principal outstanding", _T.ASSET),
    _A.INTEREST_RECEIVABLE: ("Interest accrued, not yet due", _T.ASSET),
    _A.INTEREST_DUE: ("Interest billed and due", _T.ASSET),
    _A.FEES_RECEIVABLE: ("Fees and charges due", _T.ASSET),
    _A.PENAL_RECEIVABLE: ("Penal charges due", _T.ASSET),
    _A.ESCROW_BANK: ("Escrow / collection bank account", _T.ASSET),
    _A.OPERATING_BANK: ("Own operating bank account", _T.ASSET),
    _A.DUE_FROM_PARTNER: ("Receivable from co-lenders", _T.ASSET),
    _A.CASH_COLLATERAL: ("Cash collateral placed for a securitisation", _T.ASSET),
    _A.CASH_IN_TRANSIT: ("Field collections not yet deposited", _T.ASSET),
    _A.SUSPENSE_RECEIPTS: ("Receipts not yet identified", _T.LIABILITY),
    _A.BORROWER_ADVANCE: ("Excess paid by borrowers, held", _T.LIABILITY),
    _A.DISBURSEMENT_PAYABLE: ("Disbursements awaiting payout", _T.LIABILITY),
    _A.DUE_TO_PARTNER: ("Payable to co-lenders", _T.LIABILITY),
    _A.DUE_TO_INVESTOR: ("Payable to pools / investors", _T.LIABILITY),
    _A.THIRD_PARTY_PAYABLE: ("Fees collected for third parties", _T.LIABILITY),
    _A.TAX_PAYABLE: ("GST and taxes collected", _T.LIABILITY),
    _A.INTEREST_SUSPENSE: ("Interest on NPA loans, not recognised", _T.LIABILITY),
    _A.DLG_PAYABLE: ("Default loss guarantee owed to co-lenders", _T.LIABILITY),
    _A.UNEARNED_DISCOUNT: ("Discount collected upfront, not yet earned", _T.LIABILITY),
    _A.SUPPLIER_PAYABLE: ("Owed to suppliers (supply chain finance)", _T.LIABILITY),
    _A.CAPITAL: ("Lender's funds", _T.EQUITY),
    _A.INTEREST_INCOME: ("Interest income", _T.INCOME),
    _A.FEE_INCOME: ("Fee income", _T.INCOME),
    _A.PENAL_INCOME: ("Penal charge income", _T.INCOME),
    _A.RECOVERY_INCOME: ("Recoveries on written-off loans", _T.INCOME),
    _A.DISCOUNT_INCOME: ("Discount earned (supply chain finance)", _T.INCOME),
    _A.SERVICING_FEE_INCOME: ("Servicing fee and retained spread", _T.INCOME),
    _A.GAIN_ON_TRANSFER: ("Gain on assignment / securitisation", _T.INCOME),
    _A.WRITE_OFF_EXPENSE: ("Loans written off", _T.EXPENSE),
    _A.WAIVER_EXPENSE: ("Amounts waived", _T.EXPENSE),
    _A.ROUNDING: ("Rounding differences", _T.EXPENSE),
    _A.LOSS_ON_TRANSFER: ("Loss on assignment / securitisation", _T.EXPENSE),
}


@dataclass(frozen=True, slots=True)
class ChartEntry:
    code: str
    name: str
    type: AccountType


@dataclass(frozen=True, slots=True)
class ChartOfAccounts:
    """A tenant's accounts, as data. The standard one is below; tenants may add more."""

    entries: tuple[ChartEntry, ...] = field(default_factory=tuple)

    def codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.entries)


STANDARD_CHART = ChartOfAccounts(
    tuple(ChartEntry(str(a), name, kind) for a, (name, kind) in ACCOUNTS.items())
)
