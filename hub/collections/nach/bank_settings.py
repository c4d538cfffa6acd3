"""A sponsor bank's NACH settings and the re-presentation policy, read from its counterpart.

The counterpart (connector ``nach_sponsor_bank``, :mod:`connectors.nach.connector`)
declares them in its config; this module turns that config into frozen values the
presentation and response services use. Rules are data: the checksum algorithm and
transaction codes (:class:`~formats.nach.ach.AchOptions`), the cut-off time, and the
:class:`RepresentationPolicy` (how many attempts, how many days apart; a dead-mandate
return code stops at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from formats.nach.ach import AchOptions
from formats.nach.reasons import ReasonCode
from hub.integration.counterparts import get as get_counterpart
from hub.platform.errors import Conflict
from lms_core.persistence.integration.models import Counterpart

IST = ZoneInfo("Asia/Kolkata")
COUNTERPART_KIND = "nach_sponsor_bank"

#: Return codes that are the bank's or our error, never charged to the borrower.
NO_CHARGE_CODES = frozenset({"13", "31", "32", "33", "34", *(f"{n}" for n in range(70, 100))})


@dataclass(frozen=True)
class RepresentationPolicy:
    """Re-present a returned debit ``gap_days`` later, up to ``max_attempts`` in all."""

    max_attempts: int = 3
    gap_days: int = 5

    def next_date(self, attempt: int, returned_on: date, reason: ReasonCode | None) -> date | None:
        """Return when to present again, or None (dead mandate, attempts spent)."""
        if reason is not None and reason.mandate_dead:
            return None
        if attempt >= self.max_attempts:
            return None
        return returned_on + timedelta(days=self.gap_days)


def chargeable(reason_code: str) -> bool:
    """Whether a return with this code charges the product's bounce fee."""
    return reason_code not in NO_CHARGE_CODES


@dataclass(frozen=True)
class NachBankSettings:
    code: str
    user_name: str
    utility_code: str
    sponsor_ifsc: str
    account_number: str
    options: AchOptions = field(default_factory=AchOptions)
    cutoff: time = time(10, 30)
    settlement_cycle: str = "01"
    category_code: str = "L001"
    cancel_reason_code: str = "MD17"  # pain.011 CxlRsn: cancelled by the initiating party
    policy: RepresentationPolicy = field(default_factory=RepresentationPolicy)
    notify_counterpart: str | None = None

    @classmethod
    def from_config(cls, code: str, config: dict[str, Any]) -> NachBankSettings:
        hours, _, minutes = str(config.get("cutoff") or "10:30").partition(":")
        return cls(
            code=code,
            user_name=config["user_name"],
            utility_code=config["utility_code"],
            sponsor_ifsc=config["sponsor_ifsc"],
            account_number=config["account_number"],
            options=AchOptions(
                header_transaction_code=config.get("header_transaction_code") or "56",
                detail_transaction_code=config.get("detail_transaction_code") or "67",
                checksum=config.get("checksum") or "none",
                verify_checksum=(config.get("checksum") or "none") != "none",
            ),
            cutoff=time(int(hours), int(minutes or 0)),
            settlement_cycle=config.get("settlement_cycle") or "01",
            category_code=config.get("category_code") or "L001",
            cancel_reason_code=config.get("cancel_reason_code") or "MD17",
            policy=RepresentationPolicy(
                int(config.get("represent_max_attempts") or 3),
                int(config.get("represent_gap_days") or 5),
            ),
            notify_counterpart=config.get("notify_counterpart") or None,
        )

    def settlement_date(self, business_date: date, now: datetime, *, roll: bool = True) -> date:
        """Return the settlement date a file built at ``now`` can make.

        Only the time of day of ``now`` counts (the business date is explicit): up to
        the cut-off, ``business_date``; after it, the next day when ``roll``, else
        Conflict. (Bank holidays are not skipped here.)
        """
        if now.astimezone(IST).time() <= self.cutoff:
            return business_date
        if not roll:
            raise Conflict(f"{self.code}: past the {self.cutoff:%H:%M} cut-off for {business_date}")
        return business_date + timedelta(days=1)


def load(session: Session, tenant_id: int, code: str) -> tuple[Counterpart, NachBankSettings]:
    """Return the sponsor bank counterpart ``code`` and its settings; raises NotFound."""
    row = get_counterpart(session, tenant_id, code)
    return row, NachBankSettings.from_config(row.code, dict(row.config or {}))
