"""The ledger journals of servicing events, as pure builders.

Accounts (see :data:`lms_core.ledger.STANDARD_CHART`):

* disbursement: Dr LOAN_PRINCIPAL / Cr DISBURSEMENT_PAYABLE (net), FEE_INCOME (lender's
  upfront fees), THIRD_PARTY_PAYABLE; the payout: Dr DISBURSEMENT_PAYABLE / Cr bank;
* accrual: Dr INTEREST_RECEIVABLE / Cr INTEREST_INCOME (INTEREST_SUSPENSE for an NPA);
* billing at the due date: Dr INTEREST_DUE / Cr INTEREST_RECEIVABLE;
* a repayment: Dr ESCROW_BANK / Cr LOAN_PRINCIPAL, INTEREST_DUE, FEES_RECEIVABLE,
  PENAL_RECEIVABLE per the allocation, BORROWER_ADVANCE for the excess;
* charges: Dr FEES_RECEIVABLE or PENAL_RECEIVABLE / Cr FEE_INCOME or PENAL_INCOME;
* income recognition on an NPA: interest accrued or billed but not collected is moved
  out of income into INTEREST_SUSPENSE (and back as it is collected or on upgrade).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from lms_core.ledger import OWN_BOOK, Journal, Posting, credit, debit
from lms_core.money import ZERO, Currency, D
from lms_core.waterfall import Component

COMPONENT_ACCOUNT: Mapping[Component, str] = {
    Component.PRINCIPAL: "LOAN_PRINCIPAL",
    Component.INTEREST: "INTEREST_DUE",
    Component.FEE: "FEES_RECEIVABLE",
    Component.PENALTY: "PENAL_RECEIVABLE",
}


def disbursement(
    loan_id: int,
    day: date,
    principal: Decimal,
    lender_fees: Decimal,
    third_party_fees: Decimal,
    currency: Currency,
) -> Journal:
    net = principal - lender_fees - third_party_fees
    kw = {"currency": currency, "loan_id": loan_id}
    postings = [debit("LOAN_PRINCIPAL", principal, **kw), credit("DISBURSEMENT_PAYABLE", net, **kw)]
    if lender_fees:
        postings.append(credit("FEE_INCOME", lender_fees, **kw))
    if third_party_fees:
        postings.append(credit("THIRD_PARTY_PAYABLE", third_party_fees, **kw))
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
    account: str = "ESCROW_BANK",
) -> Journal:
    kw = {"currency": currency, "loan_id": loan_id}
    return Journal(
        "payout",
        day,
        (debit("DISBURSEMENT_PAYABLE", net, **kw), credit(account, net, **kw)),
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
    # Postings built directly (what debit/credit return): the bulk path builds one
    # journal per payment, and the keyword plumbing was a third of the cost.
    postings = [Posting("ESCROW_BANK", D(amount), currency, OWN_BOOK, loan_id)]
    for component, part in sorted(by_component.items()):
        if part:
            postings.append(
                Posting(COMPONENT_ACCOUNT[component], -D(part), currency, OWN_BOOK, loan_id)
            )
    if excess:
        postings.append(Posting("BORROWER_ADVANCE", -D(excess), currency, OWN_BOOK, loan_id))
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
    debit_account: str,
    credit_account: str,
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


def batch(kind: str, day: date, lines: list[Posting], external_ref: str) -> Journal:
    """Return a journal of many loans' lines (end-of-day posts one per partition)."""
    return Journal(kind, day, tuple(lines), external_ref=external_ref)
