"""What a new mandate is made of: its fields (checked) and the cipher for the debtor's account.

The debtor's account number (or UPI VPA) is personal data: it is stored only sealed with
the project's Fernet key (:class:`AccountCipher`) and shown masked (:func:`mask_account`).
:func:`check_fields` names every bad field of a :class:`MandateIn` at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from hub.platform.errors import Conflict, FieldProblem, Unprocessable
from lms_core.collections.enums import AmountRule, MandateKind
from lms_core.money import PAISA

NACH_KINDS = (MandateKind.NACH_PHYSICAL, MandateKind.NACH_EMANDATE)


@dataclass(frozen=True)
class AccountCipher:
    """Fernet encryption of one account number / VPA (the project's PII key)."""

    key: str

    @classmethod
    def from_settings(cls, settings: Any) -> AccountCipher:
        return cls(settings.encryption_key_value())

    def seal(self, text: str) -> str:
        return Fernet(self.key.encode()).encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        """Return the clear text; raises Conflict if the token was sealed with another key."""
        try:
            return Fernet(self.key.encode()).decrypt(token.encode()).decode()
        except InvalidToken:
            raise Conflict("mandate account does not decrypt with this key") from None


def mask_account(text: str) -> str:
    """Return ``text`` with all but the last four characters hidden (VPA: the handle kept)."""
    user, at, handle = text.partition("@")
    if at:
        return f"{user[:2]}***@{handle}"
    return "X" * max(len(text) - 4, 0) + text[-4:]


@dataclass(frozen=True)
class MandateIn:
    loan_id: int
    kind: MandateKind
    debtor_name: str
    debtor_account: str
    amount: Decimal
    frequency: str
    start_date: date
    amount_rule: AmountRule = AmountRule.MAXIMUM
    debtor_ifsc: str | None = None
    account_type: str = "SAVINGS"
    end_date: date | None = None
    provider: str | None = None
    reference: str | None = None
    provider_ref: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def check_fields(data: MandateIn) -> None:
    """Raise Unprocessable naming every bad field of ``data``."""
    problems = []
    if data.amount <= 0 or data.amount != data.amount.quantize(PAISA):
        problems.append(FieldProblem("amount", f"must be positive whole paise, got {data.amount}"))
    if data.end_date and data.end_date < data.start_date:
        problems.append(FieldProblem("end_date", f"{data.end_date} is before the start"))
    if data.kind in NACH_KINDS and not data.debtor_ifsc:
        problems.append(FieldProblem("debtor_ifsc", "a NACH mandate needs the debtor's IFSC"))
    if data.reference and data.kind in NACH_KINDS and len(data.reference) != 20:
        problems.append(FieldProblem("reference", "a UMRN has 20 characters"))
    if not data.debtor_account.strip():
        problems.append(FieldProblem("debtor_account", "is required"))
    if problems:
        raise Unprocessable("mandate refused", problems=problems)
