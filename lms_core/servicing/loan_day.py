"""A loan's days, replayed: dues fall due, payments settle them, day-ends age and charge.

Servicing is path-dependent: which dues a payment settles depends on what was due on
its value date; penal charges depend on what stayed overdue at each day-end; the NPA
flag depends on the whole history. To make a back-dated payment or a reversal come out
*exactly as if the money had arrived (or never arrived) on time*, the hub replays the
loan from the earliest affected value date with :func:`replay`, then books the
difference between the replayed and the stored state.

One day ``d`` of the replay:

1. installments with due date ``<= d`` not yet raised become dues (principal, interest,
   per-installment fees);
2. payments with value date ``d`` are allocated to the open dues by the loan state's
   waterfall strategy (as of ``d``); what no due takes is the payment's *excess*;
3. if ``d`` is a day whose end-of-day has run (``d <= eod_through``): DPD and asset
   class at the day-end, a late fee once an installment is ``late_fee_after_days``
   overdue, and the day's penal charge: ``penal_rate`` % a year (ACT/365) on the
   overdue principal + interest, once DPD exceeds the grace days, rounded to the paisa
   half-even each day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lms_core.money import ZERO, RoundingMode, round_money
from lms_core.servicing.classification import AssetClass, classify, days_past_due
from lms_core.waterfall import Component, Due, LoanState, Strategy, allocate

DAYS_IN_YEAR = Decimal(365)
OVERDUE_BASE = (Component.PRINCIPAL, Component.INTEREST)


class DueKind(StrEnum):
    INSTALLMENT = "installment"
    PENAL = "penal"
    LATE_FEE = "late_fee"
    BOUNCE = "bounce"


@dataclass(frozen=True, slots=True)
class DueKey:
    kind: DueKind
    installment: int
    component: Component


@dataclass(frozen=True, slots=True)
class OpenDue:
    key: DueKey
    due_date: date
    amount: Decimal
    paid: Decimal = ZERO  # paid + waived

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass(frozen=True, slots=True)
class PlannedInstallment:
    number: int
    period_start: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal


@dataclass(frozen=True, slots=True)
class Payment:
    ref: int
    value_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DayRules:
    standard: Strategy
    npa: Strategy
    penal_rate: Decimal = ZERO
    grace_days: int = 0
    late_fee: Decimal = ZERO
    late_fee_after_days: int = 0
    npa_dpd: int = 90


@dataclass(frozen=True, slots=True)
class Applied:
    payment: int
    key: DueKey
    value_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Replay:
    dues: tuple[OpenDue, ...]
    applied: tuple[Applied, ...]
    excess: tuple[tuple[int, Decimal], ...]
    penal: tuple[tuple[date, int, Decimal], ...]  # day, installment charged, amount
    dpd: int
    asset_class: AssetClass
    class_moves: tuple[tuple[date, AssetClass], ...]


def replay(
    dues: Iterable[OpenDue],
    plan: Sequence[PlannedInstallment],
    payments: Sequence[Payment],
    rules: DayRules,
    start: date,
    eod_through: date,
    asset_class: AssetClass,
) -> Replay:
    """Return the loan's state after replaying ``start`` .. the last relevant day.

    ``dues`` are the dues as they stood at the start of ``start`` (payments dated
    earlier included); ``payments`` those with value date ``>= start``, in order.
    Day-end steps run for days up to ``eod_through``; payments dated later are applied
    without a day-end after them.
    """
    book = {d.key: d for d in dues}
    applied: list[Applied] = []
    excess: list[tuple[int, Decimal]] = []
    penal: list[tuple[date, int, Decimal]] = []
    moves: list[tuple[date, AssetClass]] = []
    last_day = max([eod_through, *(p.value_date for p in payments)], default=eod_through)
    day, dpd, cls = start, 0, asset_class
    while day <= last_day:
        _raise_installments(book, plan, day)
        for payment in (p for p in payments if p.value_date == day):
            strategy = rules.npa if cls is AssetClass.NPA else rules.standard
            applied_now, left = _apply(book, payment, strategy)
            applied += applied_now
            excess.append((payment.ref, left))
        if day <= eod_through:
            dpd, new_cls = _day_end_class(book, day, cls, rules)
            if new_cls is not cls:
                moves.append((day, new_cls))
            cls = new_cls
            _late_fees(book, day, rules)
            charge = _penal_charge(book, day, dpd, rules)
            if charge:
                installment = _oldest_overdue_installment(book.values(), day)
                penal.append((day, installment, charge))
                _add_penal(book, day, installment, charge)
        day += timedelta(days=1)
    return Replay(
        tuple(book.values()), tuple(applied), tuple(excess), tuple(penal), dpd, cls, tuple(moves)
    )


def _raise_installments(
    book: dict[DueKey, OpenDue], plan: Sequence[PlannedInstallment], day: date
) -> None:
    for line in plan:
        if line.due_date > day:
            break
        for component, amount in (
            (Component.PRINCIPAL, line.principal),
            (Component.INTEREST, line.interest),
            (Component.FEE, line.fees),
        ):
            key = DueKey(DueKind.INSTALLMENT, line.number, component)
            if amount > 0 and key not in book:
                book[key] = OpenDue(key, line.due_date, amount)


def _apply(
    book: dict[DueKey, OpenDue], payment: Payment, strategy: Strategy
) -> tuple[list[Applied], Decimal]:
    open_dues = [d for d in book.values() if d.outstanding > 0]
    # The waterfall sees one Due per (installment, component); keys keep kinds apart.
    index = {(_slot(d.key), d.key.component): d.key for d in open_dues}
    offered = [Due(_slot(d.key), d.due_date, d.key.component, d.outstanding) for d in open_dues]
    allocation = allocate(offered, payment.amount, payment.value_date, strategy)
    result = []
    for line in allocation.lines:
        key = index[(line.installment, line.component)]
        book[key] = replace(book[key], paid=book[key].paid + line.amount)
        result.append(Applied(payment.ref, key, payment.value_date, line.amount))
    return result, allocation.excess


def _slot(key: DueKey) -> int:
    """The installment the waterfall files a due under.

    Penal charges belong to the installment whose delay caused them (as in Fineract), so
    "penalties first" within an installment takes them before its interest. Late and
    bounce fees are filed apart: they would otherwise collide with the installment's own
    fee component.
    """
    offsets = {
        DueKind.INSTALLMENT: 0,
        DueKind.PENAL: 0,
        DueKind.LATE_FEE: 100_000,
        DueKind.BOUNCE: 200_000,
    }
    return offsets[key.kind] + key.installment


def oldest_unpaid(book: Iterable[OpenDue], day: date) -> date | None:
    dates = [
        d.due_date
        for d in book
        if d.outstanding > 0 and d.due_date <= day and d.key.component in OVERDUE_BASE
    ]
    return min(dates, default=None)


def _day_end_class(book, day, previous: AssetClass, rules: DayRules) -> tuple[int, AssetClass]:
    dpd = days_past_due(oldest_unpaid(book.values(), day), day)
    return dpd, classify(dpd, previous, rules.npa_dpd)


def overdue_base(book: Iterable[OpenDue], day: date) -> Decimal:
    """Return the principal + interest due on or before ``day`` and still unpaid."""
    return sum(
        (d.outstanding for d in book if d.due_date <= day and d.key.component in OVERDUE_BASE),
        ZERO,
    )


def _penal_charge(book, day: date, dpd: int, rules: DayRules) -> Decimal:
    if rules.penal_rate <= 0 or dpd <= rules.grace_days:
        return ZERO
    base = overdue_base(book.values(), day)
    return round_money(base * rules.penal_rate / 100 / DAYS_IN_YEAR, RoundingMode.HALF_EVEN)


def _oldest_overdue_installment(book: Iterable[OpenDue], day: date) -> int:
    overdue = [
        (d.due_date, d.key.installment)
        for d in book
        if d.key.kind is DueKind.INSTALLMENT
        and d.outstanding > 0
        and d.due_date <= day
        and d.key.component in OVERDUE_BASE
    ]
    return min(overdue)[1]


def _add_penal(book: dict[DueKey, OpenDue], day: date, installment: int, amount: Decimal) -> None:
    # One penal due per installment accumulates the day-end charges its delay causes.
    key = DueKey(DueKind.PENAL, installment, Component.PENALTY)
    current = book.get(key)
    book[key] = (
        OpenDue(key, day, amount)
        if current is None
        else replace(current, amount=current.amount + amount)
    )


def _late_fees(book: dict[DueKey, OpenDue], day: date, rules: DayRules) -> None:
    if rules.late_fee <= 0:
        return
    for due in list(book.values()):
        k = due.key
        if k.kind is not DueKind.INSTALLMENT or k.component is not Component.PRINCIPAL:
            continue
        overdue_days = (day - due.due_date).days + 1
        key = DueKey(DueKind.LATE_FEE, k.installment, Component.FEE)
        if due.outstanding > 0 and overdue_days > rules.late_fee_after_days and key not in book:
            book[key] = OpenDue(key, day, rules.late_fee)


def state_for(asset_class: AssetClass) -> LoanState:
    return LoanState.NPA if asset_class is AssetClass.NPA else LoanState.STANDARD
