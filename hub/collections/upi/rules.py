"""UPI AutoPay rules as data and pure functions (no database, no I/O).

* :class:`UpiRules`: the per-PSP settings: how long before a debit the payer must have
  been notified (24 h), how many debit attempts a cycle allows, and the per-debit limit
  above which the payer must authenticate again (no automatic debit above it).
* :func:`cycle_key`: which recurrence cycle a debit date falls in (one successful debit
  per cycle), from the mandate's recurrence.
* :func:`notice_refusal` / :func:`debit_refusal`: why a pre-debit notification or a debit
  may not go ahead now, or None.
* :func:`mandate_target` / :func:`debit_transition`: what a PSP event does to a
  mandate's or a debit's status (None: nothing, e.g. a resumed mandate that is active).
* :func:`is_newer`: events apply in the order of their own timestamps; one not newer than
  the last applied to its subject is stale and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from formats.upi.autopay_events import EventKind
from lms_core.collections.enums import AmountRule, MandateStatus

NOTICE = timedelta(hours=24)


class Recurrence(StrEnum):
    """NPCI's UPI AutoPay recurrence patterns."""

    ONETIME = "ONETIME"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    FORTNIGHTLY = "FORTNIGHTLY"
    MONTHLY = "MONTHLY"
    BIMONTHLY = "BIMONTHLY"
    QUARTERLY = "QUARTERLY"
    HALFYEARLY = "HALFYEARLY"
    YEARLY = "YEARLY"
    ASPRESENTED = "ASPRESENTED"


# The registry's frequency column speaks NACH's codes; UPI recurrences map onto them.
REGISTRY_FREQUENCY = {
    Recurrence.ONETIME: "OOFF",
    Recurrence.DAILY: "DAIL",
    Recurrence.WEEKLY: "WEEK",
    Recurrence.FORTNIGHTLY: "FRTN",
    Recurrence.MONTHLY: "MNTH",
    Recurrence.BIMONTHLY: "BIMN",
    Recurrence.QUARTERLY: "QURT",
    Recurrence.HALFYEARLY: "MIAN",
    Recurrence.YEARLY: "YEAR",
    Recurrence.ASPRESENTED: "ADHO",
}
_MONTHS_PER_CYCLE = {
    Recurrence.MONTHLY: 1,
    Recurrence.BIMONTHLY: 2,
    Recurrence.QUARTERLY: 3,
    Recurrence.HALFYEARLY: 6,
    Recurrence.YEARLY: 12,
}


class CycleStatus(StrEnum):
    NOTIFIED = "notified"  # pre-debit notice accepted by the PSP; debit not yet run
    NEEDS_AUTH = "needs_auth"  # above the additional-authentication limit: not automatic
    NOTICE_FAILED = "notice_failed"  # the PSP could not notify the payer: no debit
    DEBITING = "debiting"  # an attempt is with the PSP
    RETRY = "retry"  # the last attempt failed; another is allowed
    PAID = "paid"  # one attempt succeeded (the cycle's one debit)
    EXHAUSTED = "exhausted"  # every allowed attempt failed
    REFUNDED = "refunded"  # the successful debit was refunded


class DebitStatus(StrEnum):
    PENDING = "pending"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


# Statuses that hold the cycle's one debit (a partial unique index enforces it).
HOLDS_CYCLE = (DebitStatus.PENDING, DebitStatus.SUCCESS, DebitStatus.REFUNDED)


@dataclass(frozen=True)
class UpiRules:
    """Settings of one PSP integration (from its counterpart configuration)."""

    additional_auth_limit: Decimal = Decimal("15000")
    max_attempts: int = 3
    notice: timedelta = NOTICE
    settlement_lag: timedelta = timedelta(days=1)  # PSP pays our collections T+1


def cycle_key(recurrence: Recurrence, start: date, debit_date: date) -> str:
    """Return the name of the cycle ``debit_date`` falls in (e.g. ``2024-05`` monthly)."""
    if recurrence is Recurrence.ONETIME:
        return "once"
    if recurrence in (Recurrence.ASPRESENTED, Recurrence.DAILY):
        return debit_date.isoformat()
    if recurrence in (Recurrence.WEEKLY, Recurrence.FORTNIGHTLY):
        days = 7 if recurrence is Recurrence.WEEKLY else 14
        return f"{recurrence.value[0]}{(debit_date - start).days // days + 1}"
    months = _MONTHS_PER_CYCLE[recurrence]
    index = (debit_date.year - start.year) * 12 + debit_date.month - start.month
    return f"M{index // months + 1}" if months > 1 else f"{debit_date:%Y-%m}"


def amount_problem(rule: str, mandate_amount: Decimal, amount: Decimal) -> str | None:
    """Return why ``amount`` breaks the mandate's amount rule, or None."""
    if amount <= 0:
        return f"amount {amount} must be positive"
    if rule == AmountRule.FIXED and amount != mandate_amount:
        return f"amount {amount} differs from the mandate's exact amount {mandate_amount}"
    if rule == AmountRule.MAXIMUM and amount > mandate_amount:
        return f"amount {amount} is above the mandate's maximum {mandate_amount}"
    return None


@dataclass(frozen=True)
class MandateView:
    """What the notice and debit checks need to know of a mandate."""

    status: str
    amount_rule: str
    amount: Decimal
    start: date
    end: date | None


def notice_refusal(
    mandate: MandateView, amount: Decimal, debit_date: date, business_date: date
) -> str | None:
    """Return why a pre-debit notice for ``amount`` on ``debit_date`` is refused, or None."""
    if mandate.status != MandateStatus.REGISTERED:
        return f"mandate is {mandate.status}, not registered"
    if debit_date <= business_date:
        return f"debit date {debit_date} must be after the business date {business_date}"
    if debit_date < mandate.start or (mandate.end and debit_date > mandate.end):
        return f"debit date {debit_date} is outside the mandate's validity"
    return amount_problem(mandate.amount_rule, mandate.amount, amount)


@dataclass(frozen=True)
class CycleView:
    """What the debit check needs to know of a cycle's notice and attempts so far."""

    status: str
    notified_amount: Decimal
    notified_at: datetime
    debit_date: date
    attempts: int


def debit_refusal(
    rules: UpiRules,
    mandate: MandateView,
    cycle: CycleView,
    amount: Decimal,
    now: datetime,
    business_date: date,
) -> str | None:
    """Return why a debit of ``amount`` may not be executed now, or None."""
    if cycle.status == CycleStatus.NEEDS_AUTH:
        return "amount is above the additional-authentication limit: not debited automatically"
    if cycle.status in (CycleStatus.PAID, CycleStatus.REFUNDED, CycleStatus.DEBITING):
        return f"cycle already has its debit ({cycle.status})"
    if cycle.status in (CycleStatus.NOTICE_FAILED, CycleStatus.EXHAUSTED):
        return f"cycle is {cycle.status}"
    if cycle.attempts >= rules.max_attempts:
        return f"all {rules.max_attempts} attempts of the cycle are used"
    if mandate.status != MandateStatus.REGISTERED:
        return f"mandate is {mandate.status}, not registered"
    if amount != cycle.notified_amount:
        return f"amount {amount} differs from the notified amount {cycle.notified_amount}"
    if now - cycle.notified_at < rules.notice:
        ready = cycle.notified_at + rules.notice
        return f"pre-debit notice is younger than 24 h (debit allowed from {ready.isoformat()})"
    if business_date < cycle.debit_date:
        return f"business date {business_date} is before the notified debit date"
    return None


def is_newer(last_applied: datetime | None, occurred_at: datetime) -> bool:
    """Return whether an event at ``occurred_at`` may still change its subject."""
    return last_applied is None or occurred_at > last_applied


# A mandate event names the status it leaves the mandate in, whatever came before: with
# the timestamp guard (is_newer) the newest event wins, so a pause that overtook its
# confirmation still ends paused. Final statuses stay final.
_TARGET = {
    EventKind.MANDATE_ACTIVE: MandateStatus.REGISTERED,
    EventKind.MANDATE_PAUSED: MandateStatus.PAUSED,
    EventKind.MANDATE_REJECTED: MandateStatus.REJECTED,
    EventKind.MANDATE_CANCELLED: MandateStatus.CANCELLED,
    EventKind.MANDATE_EXPIRED: MandateStatus.EXPIRED,
}
FINAL = (MandateStatus.REJECTED, MandateStatus.CANCELLED, MandateStatus.EXPIRED, MandateStatus.DEAD)
AWAITING_APPROVAL = (MandateStatus.INITIATED, MandateStatus.SUBMITTED)


# Once we asked the PSP to revoke a mandate, only its end matters: the payer's rejection,
# the expiry or the cancellation all leave nothing to debit; a late approval or pause
# changes nothing (the mandate is never debited again either way).
CANCEL_PENDING = (MandateStatus.CANCEL_REQUESTED, MandateStatus.CANCEL_REJECTED)
_ENDS_A_REVOKE = (MandateStatus.CANCELLED, MandateStatus.REJECTED, MandateStatus.EXPIRED)


def mandate_target(status: str, kind: EventKind) -> MandateStatus | None:
    """Return the status a mandate event moves the mandate to, or None if it changes nothing.

    A rejection only applies to a mandate still waiting for the payer's approval. While
    our revoke is pending, any end of the mandate at the PSP makes it ``cancelled``.
    """
    target = _TARGET.get(kind)
    if target is None or status in FINAL or target == status:
        return None
    if status in CANCEL_PENDING:
        return MandateStatus.CANCELLED if target in _ENDS_A_REVOKE else None
    if target is MandateStatus.REJECTED and status not in AWAITING_APPROVAL:
        return None
    return target


_DEBIT_MOVES: dict[tuple[str, EventKind], DebitStatus] = {
    (DebitStatus.PENDING, EventKind.DEBIT_SUCCESS): DebitStatus.SUCCESS,
    (DebitStatus.PENDING, EventKind.DEBIT_FAILED): DebitStatus.FAILED,
    (DebitStatus.PENDING, EventKind.DEBIT_CANCELLED): DebitStatus.CANCELLED,
    # a refund that overtook its success: the money came and went; nothing to post
    (DebitStatus.PENDING, EventKind.REFUND_PROCESSED): DebitStatus.REFUNDED,
    # the PSP settled late a debit it had reported failed
    (DebitStatus.FAILED, EventKind.DEBIT_SUCCESS): DebitStatus.SUCCESS,
    (DebitStatus.SUCCESS, EventKind.REFUND_PROCESSED): DebitStatus.REFUNDED,
}


def debit_transition(status: str, kind: EventKind) -> DebitStatus | None:
    """Return a debit attempt's new status after ``kind``, or None if it changes nothing."""
    return _DEBIT_MOVES.get((status, kind))
