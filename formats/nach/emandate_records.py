"""Typed records and code lists of NACH e-mandate (mandate registration) messages.

One :class:`Mandate` describes what the debtor authorises (sequence, frequency, dates,
a fixed ``collection_amount`` or a ``maximum_amount``: exactly one), whoever carries it:
the online ``MndtAuthReq`` (:mod:`formats.nach.emandate`) or the ISO 20022 pain.009 / pain.010
messages (:mod:`formats.nach.emandate_iso`). Responses of every kind become a
:class:`MandateResponse`. Code lists are StrEnums so a wrong value fails where it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from formats.base import FormatWriteError
from lms_core.money import PAISA, D


class Frequency(StrEnum):
    ADHOC = "ADHO"
    INTRADAY = "INDA"
    DAILY = "DAIL"
    WEEKLY = "WEEK"
    MONTHLY = "MNTH"
    QUARTERLY = "QURT"
    HALF_YEARLY = "MIAN"
    YEARLY = "YEAR"
    BI_MONTHLY = "BIMN"


class SequenceType(StrEnum):
    RECURRING = "RCUR"
    ONE_OFF = "OOFF"


class AccountType(StrEnum):
    SAVINGS = "SAVINGS"
    CURRENT = "CURRENT"


class Category(StrEnum):
    """NPCI mandate category codes (the subset Sangam uses)."""

    LOAN_INSTALMENT = "L001"
    LOAN_AMOUNT_SECURITY = "L002"
    TREDS = "T002"
    OTHERS = "U099"


CATEGORY_DESCRIPTIONS: dict[Category, str] = {
    Category.LOAN_INSTALMENT: "Loan instalment payment",
    Category.LOAN_AMOUNT_SECURITY: "Loan amount security",
    Category.TREDS: "TReDS",
    Category.OTHERS: "Others",
}


class ResponseKind(StrEnum):
    ACCEPT_RESPONSE = "MndtAccptResp"
    REJECT_RESPONSE = "MndtRejResp"
    ACCEPTANCE_REPORT = "MndtAccptncRpt"


@dataclass(frozen=True, slots=True)
class Debtor:
    name: str
    account_number: str
    account_type: AccountType
    consumer_reference: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""
    pan: str = ""
    bank_member_id: str = ""  # debtor bank IFSC / IIN (ISO messages' DbtrAgt)


@dataclass(frozen=True, slots=True)
class Creditor:
    name: str
    account_number: str
    member_id: str  # sponsor bank IFSC


@dataclass(frozen=True, slots=True)
class Mandate:
    mandate_request_id: str
    scheme_name: str
    sequence_type: SequenceType
    frequency: Frequency
    first_collection: date
    debtor: Debtor
    creditor: Creditor
    final_collection: date | None = None  # None: until cancelled
    collection_amount: Decimal | None = None
    maximum_amount: Decimal | None = None
    currency: str = "INR"
    category: Category = Category.LOAN_INSTALMENT


@dataclass(frozen=True, slots=True)
class Initiator:
    """``ReqInitPty/Info``: the lender presenting the mandate."""

    id: str
    category: Category
    utility_code: str
    name: str
    sponsor_bank_name: str = ""
    category_description: str = ""


@dataclass(frozen=True, slots=True)
class MandateAuthRequest:
    """``MndtAuthReq``: one mandate for online authorisation."""

    message_id: str
    created: datetime
    initiator: Initiator
    mandate: Mandate


@dataclass(frozen=True, slots=True)
class MandateResponse:
    """Outcome of one mandate request, from any response message.

    ``reference`` is ``AccptRefNo`` (online) or the UMRN (pain.012 ``OrgnlMndtId``);
    ``original_message_id`` is ``NPCI_RefMsgId`` (online) or ``OrgnlMsgInf/MsgId``;
    ``original_message_name`` is pain.012's ``OrgnlMsgInf/MsgNmId`` (``pain.011.001.04``
    for the answer to a cancellation) when the bank gives it.
    """

    kind: ResponseKind
    message_id: str
    created: datetime | None
    accepted: bool
    mandate_request_id: str = ""
    original_message_id: str = ""
    reference: str = ""
    reject_code: str = ""
    reject_description: str = ""
    rejected_by: str = ""
    original_message_name: str = ""


def amount_text(value: Decimal) -> str:
    """Return a rupee amount as the messages write it; refuses fractions of a paisa."""
    amount = D(value)
    if amount <= 0 or amount != amount.quantize(PAISA):
        raise FormatWriteError(f"amount {amount} must be positive, in whole paise")
    return f"{amount:.2f}"
