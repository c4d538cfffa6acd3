"""The PSP sandbox's records (mandates, notices, payments) and its API's request bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel


@dataclass
class SandboxMandate:
    id: str
    reference: str
    payer_vpa: str
    amount: Decimal
    amount_rule: str
    status: str = "created"  # created, active, paused, rejected, cancelled, expired
    umn: str | None = None


@dataclass
class SandboxNotice:
    id: str
    reference: str
    mandate_id: str
    amount: Decimal
    notified_at: datetime
    paid: bool = False


@dataclass
class SandboxPayment:
    id: str
    reference: str
    mandate_id: str
    notice_reference: str
    amount: Decimal
    status: str = "pending"
    refunds: list[str] = field(default_factory=list)


class MandateBody(BaseModel):
    reference: str
    payer_vpa: str
    payer_name: str
    amount: Decimal
    amount_rule: str
    recurrence: str
    start_date: str
    end_date: str | None = None
    purpose: str = ""


class NoticeBody(BaseModel):
    reference: str
    amount: Decimal
    debit_date: str


class DebitBody(BaseModel):
    reference: str
    notification_reference: str
    amount: Decimal


class RevokeBody(BaseModel):
    reference: str  # the merchant's idempotency key for this revocation
    reason: str = ""
