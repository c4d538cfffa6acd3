"""The ledger journals of servicing events, as pure builders over the chart.

Each builder takes plain values and returns a :class:`~lms_core.ledger.Journal` (or None
when the event moves nothing); the hub only posts what it gets. Accounts are
:class:`~lms_core.ledger.chart.Account` members:

* disbursement: Dr LOAN_PRINCIPAL / Cr DISBURSEMENT_PAYABLE (net), FEE_INCOME (lender's
  upfront fees), THIRD_PARTY_PAYABLE; the payout: Dr DISBURSEMENT_PAYABLE / Cr bank;
* a repayment: Dr ESCROW_BANK / Cr LOAN_PRINCIPAL, INTEREST_DUE, FEES_RECEIVABLE,
  PENAL_RECEIVABLE per the allocation, BORROWER_ADVANCE for the excess;
* a day-end (:func:`day_end_lines`): the accrual Dr INTEREST_RECEIVABLE / Cr
  INTEREST_INCOME (INTEREST_SUSPENSE for an NPA); billing at the due date Dr
  INTEREST_DUE / Cr INTEREST_RECEIVABLE and Dr FEES_RECEIVABLE / Cr FEE_INCOME for
  per-installment fees; penal Dr PENAL_RECEIVABLE / Cr PENAL_INCOME; late fees Dr
  FEES_RECEIVABLE / Cr FEE_INCOME;
* charges trued up by a replay, and a bounce fee: Dr FEES_RECEIVABLE or
  PENAL_RECEIVABLE / Cr FEE_INCOME or PENAL_INCOME;
* income recognition on an NPA: interest accrued or billed but not collected is moved
  out of INTEREST_INCOME into INTEREST_SUSPENSE (and back as it is collected or on
  upgrade).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from lms_core.ledger import OWN_BOOK, Journal, Posting, credit, debit
from lms_core.ledger.chart import Account
from lms_core.ledger.lines import legs
from lms_core.money import ZERO, Currency, D
from lms_core.waterfall import Component

#: the receivable a repayment's share of each component settles
COMPONENT_ACCOUNT: Mapping[Component, Account] = {
    Component.PRINCIPAL: Account.LOAN_PRINCIPAL,
    Component.INTEREST: Account.INTEREST_DUE,
    Component.FEE: Account.FEES_RECEIVABLE,
    Component.PENALTY: Account.PENAL_RECEIVABLE,
}


def disbursement(
    loan_id: int,
    day: date,
    principal: Decimal,
    lender_fees: Decimal,
    third_party_fees: Decimal,
    currency: Currency,
) -> Journal:
    """Return the disbursement of ``principal``: what is paid out is net of the fees."""
    net = principal - lender_fees - third_party_fees
    kw = {"currency": currency, "loan_id": loan_id}
    postings = [
        debit(Account.LOAN_PRINCIPAL, principal, **kw),
        credit(Account.DISBURSEMENT_PAYABLE, net, **kw),
    ]
    if lender_fees:
        postings.append(credit(Account.FEE_INCOME, lender_fees, **kw))
    if third_party_fees:
        postings.append(credit(Account.THIRD_PARTY_PAYABLE, third_party_fees, **kw))
    return Journal(
        "disbursement",
        day,
        tuple(postings),
        loan_id=loan_id,
        external_ref=f"disbursement:{loan_id}",
    )


def payout(
    loan_id: int,
    day: date,
    net: Decimal,
    utr: str,
    currency: Currency,
    account: Account = Account.ESCROW_BANK,
) -> Journal:
    """Return the payout of a disbursement's ``net`` from the bank ``account`` (UTR noted)."""
    kw = {"currency": currency, "loan_id": loan_id}
    return Journal(
        "payout",
        day,
        (debit(Account.DISBURSEMENT_PAYABLE, net, **kw), credit(account, net, **kw)),
        loan_id=loan_id,
        external_ref=f"payout:{loan_id}",
        description=f"UTR {utr}",
    )


def repayment(
    loan_id: int,
    day: date,
    value_date: date,
    amount: Decimal,
    by_component: Mapping[Component, Decimal],
    excess: Decimal,
    currency: Currency,
    external_ref: str,
) -> Journal:
    """Return the journal of a payment of ``amount``: each component's share settles its
    receivable (in the components' order), the ``excess`` is held for the borrower."""
    # Postings built directly (what debit/credit return): the bulk path builds one
    # journal per payment, and the keyword plumbing was a third of the cost.
    postings = [Posting(Account.ESCROW_BANK, D(amount), currency, OWN_BOOK, loan_id)]
    for component, part in sorted(by_component.items()):
        if part:
            postings.append(
                Posting(COMPONENT_ACCOUNT[component], -D(part), currency, OWN_BOOK, loan_id)
            )
    if excess:
        postings.append(Posting(Account.BORROWER_ADVANCE, -D(excess), currency, OWN_BOOK, loan_id))
    return Journal(
        "repayment",
        day,
        tuple(postings),
        value_date=value_date,
        loan_id=loan_id,
        external_ref=external_ref,
    )


def adjustment(
    loan_id: int,
    day: date,
    debit_account: Account,
    credit_account: Account,
    delta: Decimal,
    kind: str,
    currency: Currency,
    external_ref: str | None = None,
) -> Journal | None:
    """Return a journal moving ``delta`` (either sign) between two accounts; None for 0."""
    if delta == ZERO:
        return None
    if delta < 0:
        debit_account, credit_account, delta = credit_account, debit_account, -delta
    kw = {"currency": currency, "loan_id": loan_id}
    return Journal(
        kind,
        day,
        (debit(debit_account, delta, **kw), credit(credit_account, delta, **kw)),
        loan_id=loan_id,
        external_ref=external_ref,
    )


def bounce_fee(
    loan_id: int, day: date, fee: Decimal, currency: Currency, external_ref: str
) -> Journal:
    """Return the bounce fee charged on a returned payment: Dr FEES_RECEIVABLE / Cr FEE_INCOME."""
    kw = {"currency": currency, "loan_id": loan_id}
    return Journal(
        "bounce_fee",
        day,
        (debit(Account.FEES_RECEIVABLE, fee, **kw), credit(Account.FEE_INCOME, fee, **kw)),
        loan_id=loan_id,
        external_ref=external_ref,
    )


def penal_true_up(loan_id: int, day: date, delta: Decimal, currency: Currency) -> Journal | None:
    """Return the penal charged more (``delta`` > 0) or less than booked; None for 0."""
    return adjustment(
        loan_id,
        day,
        Account.PENAL_RECEIVABLE,
        Account.PENAL_INCOME,
        delta,
        "penal_charge",
        currency,
    )


def late_fee_true_up(loan_id: int, day: date, delta: Decimal, currency: Currency) -> Journal | None:
    """Return the late fees charged more (``delta`` > 0) or less than booked; None for 0."""
    return adjustment(
        loan_id, day, Account.FEES_RECEIVABLE, Account.FEE_INCOME, delta, "late_fee", currency
    )


#: the balances income recognition works from: interest billed, accrued, held in suspense
RECOGNITION_ACCOUNTS: tuple[Account, ...] = (
    Account.INTEREST_DUE,
    Account.INTEREST_RECEIVABLE,
    Account.INTEREST_SUSPENSE,
)


def suspense_target(
    npa: bool, interest_due: Decimal, interest_receivable: Decimal, capitalised: Decimal
) -> Decimal:
    """Return what INTEREST_SUSPENSE must hold: for an NPA, its uncollected interest (due
    and accrued) plus the interest a restructure capitalised while leaving it an NPA
    (RBI: unrealised interest capitalised is not income); nothing for any other loan."""
    return interest_due + interest_receivable + capitalised if npa else ZERO


def income_recognition(
    loan_id: int, day: date, held: Decimal, target: Decimal, currency: Currency
) -> Journal | None:
    """Return the move that makes INTEREST_SUSPENSE hold ``target`` instead of ``held``.

    More to hold is taken out of INTEREST_INCOME (Dr INTEREST_INCOME / Cr
    INTEREST_SUSPENSE); less is released back to it. None when nothing changes.
    """
    return adjustment(
        loan_id,
        day,
        Account.INTEREST_INCOME,
        Account.INTEREST_SUSPENSE,
        target - held,
        "income_recognition",
        currency,
    )


def day_end_lines(
    loan_id: int,
    currency: Currency,
    *,
    npa: bool,
    accrual: Decimal,
    billed_interest: Decimal = ZERO,
    billed_fees: Decimal = ZERO,
    penal: Decimal = ZERO,
    late_fees: Decimal = ZERO,
) -> list[Posting]:
    """Return one loan's day-end postings, in this order (zero amounts left out):

    the day's ``accrual`` (into INTEREST_SUSPENSE rather than income for an ``npa``),
    the interest and per-installment fees billed today, the day's penal charge and the
    late fees raised today.
    """
    income = Account.INTEREST_SUSPENSE if npa else Account.INTEREST_INCOME
    return legs(
        (
            (Account.INTEREST_RECEIVABLE, income, accrual),
            (Account.INTEREST_DUE, Account.INTEREST_RECEIVABLE, billed_interest),
            (Account.FEES_RECEIVABLE, Account.FEE_INCOME, billed_fees),
            (Account.PENAL_RECEIVABLE, Account.PENAL_INCOME, penal),
            (Account.FEES_RECEIVABLE, Account.FEE_INCOME, late_fees),
        ),
        currency,
        loan_id,
    )


def day_end(loan_id: int, day: date, lines: list[Posting]) -> Journal | None:
    """Return one loan's day-end journal of ``lines`` (None when the day moved nothing)."""
    if not lines:
        return None
    return Journal(
        "eod", day, tuple(lines), loan_id=loan_id, external_ref=f"eod:{loan_id}:{day.isoformat()}"
    )


def day_end_batch(day: date, lines: list[Posting], loan_ids: list[int]) -> Journal:
    """Return the day-end journal of a partition's loans (one per partition, many loans)."""
    ref = f"eod:{day}:{min(loan_ids)}-{max(loan_ids)}"
    return Journal("eod", day, tuple(lines), external_ref=ref)
