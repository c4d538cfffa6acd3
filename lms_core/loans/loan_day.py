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

A *restructured* loan (``DayRules.restructured``) is classified by RBI's restructuring
norms; the replay watches its day-ends in the specified period for a slip
(:func:`lms_core.loans.classification.watch_slip`), so the end of the period is
classified by what the replayed payments did, in the same pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from operator import itemgetter

from lms_core.loans.classification import (
    AssetClass,
    Restructured,
    classify,
    classify_restructured,
    days_past_due,
    watch_slip,
)
from lms_core.money import ZERO, RoundingMode, round_money
from lms_core.waterfall import Component, LoanState, StepTable, Strategy, step_table

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
    restructured: Restructured | None = None  # the loan's RBI restructuring state, if any


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
    # The book maps each key's fields to its due: the caller's OpenDue while untouched, a
    # mutable _Open once a payment or a charge changes it (frozen back at the end), so a
    # day costs no dataclass copies. Field tuples hash and compare as the keys do, without
    # a Python-level __hash__ / __eq__ per look-up. Insertion order is the result's order.
    book: _Book = {}
    for d in dues:
        k = d.key
        book[k.kind, k.installment, k.component] = d
    applied: list[Applied] = []
    excess: list[tuple[int, Decimal]] = []
    penal: list[tuple[date, int, Decimal]] = []
    moves: list[tuple[date, AssetClass]] = []
    by_day: dict[date, list[Payment]] = {}
    for p in payments:
        by_day.setdefault(p.value_date, []).append(p)
    last_day = max([eod_through, *by_day], default=eod_through)
    lines = iter(plan)
    pending = next(lines, None)  # the first plan line not raised yet
    day, dpd, cls, restructured = start, 0, asset_class, rules.restructured
    while day <= last_day:
        if pending is not None and pending.due_date <= day:
            pending = _raise_installments(book, pending, lines, day)
        for payment in by_day.get(day, ()):
            strategy = rules.npa if cls is _NPA else rules.standard
            excess.append((payment.ref, _apply(book, payment, step_table(strategy), applied)))
        if day <= eod_through:
            dpd, new_cls, restructured = _day_end(book, day, cls, rules, restructured, penal)
            if new_cls is not cls:
                moves.append((day, new_cls))
            cls = new_cls
        day += _ONE_DAY
    result = tuple([d.freeze() if type(d) is _Open else d for d in book.values()])
    return Replay(result, tuple(applied), tuple(excess), tuple(penal), dpd, cls, tuple(moves))


class _Open:
    """A due :func:`replay` has changed: mutable while the replay runs, then frozen."""

    __slots__ = ("amount", "due_date", "key", "paid")

    def __init__(self, due: OpenDue) -> None:
        self.key = due.key
        self.due_date = due.due_date
        self.amount = due.amount
        self.paid = due.paid

    def freeze(self) -> OpenDue:
        return OpenDue(self.key, self.due_date, self.amount, self.paid)


_Book = dict[tuple[DueKind, int, Component], "OpenDue | _Open"]


def _open(book: _Book, fields: tuple[DueKind, int, Component]) -> _Open:
    """Return the mutable working copy of the due at ``fields`` (made on first change)."""
    due = book[fields]
    if type(due) is not _Open:
        due = book[fields] = _Open(due)
    return due


_INSTALLMENT, _PENAL, _LATE_FEE = DueKind.INSTALLMENT, DueKind.PENAL, DueKind.LATE_FEE
_PRINCIPAL, _INTEREST = Component.PRINCIPAL, Component.INTEREST
_FEE, _PENALTY = Component.FEE, Component.PENALTY
_NPA = AssetClass.NPA
_ONE_DAY = timedelta(days=1)
_FIRST = itemgetter(0)
# The installment the waterfall files a due under: its own for an installment's dues and
# for penal charges (they belong to the installment whose delay caused them, as in
# Fineract, so "penalties first" within an installment takes them before its interest);
# late and bounce fees apart, where they cannot collide with the installment's own fee.
_SLOT_OFFSET = {
    DueKind.INSTALLMENT: 0,
    DueKind.PENAL: 0,
    DueKind.LATE_FEE: 100_000,
    DueKind.BOUNCE: 200_000,
}
# Keys are immutable values: the ones every replay builds are made once and shared.
_KEYS: dict[tuple[DueKind, int], tuple[DueKey, DueKey, DueKey]] = {}
_KEYS_MAX = 20_000


def _keys(kind: DueKind, installment: int) -> tuple[DueKey, DueKey, DueKey]:
    """Return the (principal, interest, fee) keys of ``kind`` for ``installment``."""
    keys = _KEYS.get((kind, installment))
    if keys is None:
        keys = (
            DueKey(kind, installment, _PRINCIPAL),
            DueKey(kind, installment, _INTEREST),
            DueKey(kind, installment, _FEE),
        )
        if type(installment) is int:  # an int-like of another type keeps its own keys
            if len(_KEYS) >= _KEYS_MAX:
                _KEYS.clear()
            _KEYS[(kind, installment)] = keys
    return keys


def _raise_installments(
    book: _Book,
    line: PlannedInstallment | None,
    lines: Iterator[PlannedInstallment],
    day: date,
) -> PlannedInstallment | None:
    """Raise the plan lines due by ``day`` from ``line`` on; return the first line left.

    A line's principal, interest and fees become dues unless already in the book. Lines
    are taken in plan order up to the first one due later (as every day has always done
    from the plan's start: the lines before were raised on an earlier day, and raising
    them again changes nothing, since dues are never removed).
    """
    while line is not None and line.due_date <= day:
        number = line.number
        if line.principal > 0 and (_INSTALLMENT, number, _PRINCIPAL) not in book:
            _raise(book, line, 0, line.principal)
        if line.interest > 0 and (_INSTALLMENT, number, _INTEREST) not in book:
            _raise(book, line, 1, line.interest)
        if line.fees > 0 and (_INSTALLMENT, number, _FEE) not in book:
            _raise(book, line, 2, line.fees)
        line = next(lines, None)
    return line


def _raise(book: _Book, line: PlannedInstallment, at: int, amount: Decimal) -> None:
    key = _keys(_INSTALLMENT, line.number)[at]
    book[_INSTALLMENT, line.number, key.component] = OpenDue(key, line.due_date, amount)


def _apply(book: _Book, payment: Payment, table: StepTable, out: list[Applied]) -> Decimal:
    """Allocate ``payment`` over the open dues exactly as :func:`allocate` would.

    Append the allocations to ``out``; return the excess. The waterfall sees one due per
    (installment slot, component); a settled line goes to the last open due filed under
    that pair (the waterfall's index), which for keys built by this module is the due
    itself.
    """
    as_of, left = payment.value_date, payment.amount
    index: dict[tuple[int, Component], tuple[DueKind, int, Component]] = {}
    queue = []
    overdue, due_now, installment_first = table.overdue, table.due, table.installment_first
    for fields, due in book.items():
        outstanding = due.amount - due.paid
        if outstanding <= 0:
            continue
        key = due.key
        filed = (_SLOT_OFFSET[key.kind] + key.installment, key.component)
        index[filed] = fields
        due_date = due.due_date
        if due_date < as_of:
            step = overdue.get(id(key.component))
        elif due_date == as_of:
            step = due_now.get(id(key.component))
        else:
            continue
        if step is not None:
            age = (due_date, filed[0])
            queue.append(((*age, step) if installment_first else (step, *age), outstanding, filed))
    if left < 0:  # checked where allocate checks it: after filing the dues
        raise ValueError(f"payment amount cannot be negative: {left}")
    queue.sort(key=_FIRST)
    for _, outstanding, filed in queue:
        if left <= 0:
            break
        take = min(left, outstanding)
        left -= take
        fields = index[filed]
        due = book[fields]
        if type(due) is _Open:
            due.paid = due.paid + take
        else:  # settled once in most replays: a new record costs less than a working one
            book[fields] = OpenDue(due.key, due.due_date, due.amount, due.paid + take)
        out.append(Applied(payment.ref, due.key, as_of, take))
    return left


def oldest_unpaid(book: Iterable[OpenDue], day: date) -> date | None:
    dates = [
        d.due_date
        for d in book
        if d.outstanding > 0 and d.due_date <= day and d.key.component in OVERDUE_BASE
    ]
    return min(dates, default=None)


def overdue_base(book: Iterable[OpenDue], day: date) -> Decimal:
    """Return the principal + interest due on or before ``day`` and still unpaid."""
    return sum(
        (d.outstanding for d in book if d.due_date <= day and d.key.component in OVERDUE_BASE),
        ZERO,
    )


def _day_end(
    book: _Book,
    day: date,
    previous: AssetClass,
    rules: DayRules,
    restructured: Restructured | None,
    penal: list[tuple[date, int, Decimal]],
) -> tuple[int, AssetClass, Restructured | None]:
    """Run the day-end of ``day``: DPD and class, late fees, the penal charge; return the
    DPD, the class and the restructuring state (with a slip seen today).

    One pass over the book gathers what the steps need: the oldest unpaid principal or
    interest (DPD), their sum due by ``day`` (the penal base), the oldest overdue
    installment (which the penal charge is filed under) and the late-fee candidates.
    None of the charges raised afterwards is principal or interest, so one pass before
    them sees what each step saw when they ran one after another.
    """
    charging = rules.penal_rate > 0
    late_fees, late_after = rules.late_fee > 0, rules.late_fee_after_days
    oldest, base, first = None, ZERO, None
    late: list[int] = []
    for due in book.values():
        key = due.key
        component, due_date = key.component, due.due_date
        if due_date <= day and component in OVERDUE_BASE:
            outstanding = due.amount - due.paid
            if charging:
                base += outstanding
            if outstanding > 0:
                if oldest is None or due_date < oldest:
                    oldest = due_date
                if charging and key.kind is _INSTALLMENT:
                    aged = (due_date, key.installment)
                    if first is None or aged < first:
                        first = aged
        # A late fee's overdue days count from the due date, that day included.
        if (
            late_fees
            and component is _PRINCIPAL
            and key.kind is _INSTALLMENT
            and due.amount - due.paid > 0
            and (day - due_date).days + 1 > late_after
        ):
            late.append(key.installment)
    dpd = days_past_due(oldest, day)
    if restructured is None:
        cls = classify(dpd, previous, rules.npa_dpd)
    else:
        restructured = watch_slip(restructured, dpd, day)
        cls = classify_restructured(dpd, previous, day, restructured, rules.npa_dpd)
    for installment in late:
        if (_LATE_FEE, installment, _FEE) not in book:
            key = _keys(_LATE_FEE, installment)[2]
            book[_LATE_FEE, installment, _FEE] = OpenDue(key, day, rules.late_fee)
    if charging and dpd > rules.grace_days:
        charge = round_money(base * rules.penal_rate / 100 / DAYS_IN_YEAR, RoundingMode.HALF_EVEN)
        if charge:
            if first is None:  # as min() over no overdue installment has always raised
                raise ValueError("min() arg is an empty sequence")
            installment = first[1]
            penal.append((day, installment, charge))
            _add_penal(book, day, installment, charge)
    return dpd, cls, restructured


def _add_penal(book: _Book, day: date, installment: int, amount: Decimal) -> None:
    # One penal due per installment accumulates the day-end charges its delay causes.
    fields = (_PENAL, installment, _PENALTY)
    if fields not in book:
        book[fields] = OpenDue(DueKey(_PENAL, installment, _PENALTY), day, amount)
    else:
        due = _open(book, fields)
        due.amount = due.amount + amount


def state_for(asset_class: AssetClass) -> LoanState:
    return LoanState.NPA if asset_class is AssetClass.NPA else LoanState.STANDARD
