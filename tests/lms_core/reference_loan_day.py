"""Today's (pre-optimisation) servicing calculation, kept verbatim as a reference oracle.

Copied from ``lms_core/loans/loan_day.py`` (``replay`` and its helpers),
``lms_core/waterfall.py`` (``allocate``), ``lms_core/money.py`` (``D``, ``round_to``),
``lms_core/ledger/__init__.py`` (``debit``, ``credit``, ``validate``) and
``lms_core/loans/accrual_plan.py`` as they stood before the performance work, so the
property tests in ``test_loan_day_equivalence.py`` keep comparing the live, optimised
functions with these whatever the live code becomes. Only the record types (dues, keys,
journals, results) are imported from the live modules: both sides must build the same
values. Do not "fix" or speed up this file.

Two changes since the copy, mirrored from the live code because they are rules rather
than speed-ups: a day-end classifies a restructured loan (``DayRules.restructured``) by
:func:`lms_core.loans.classification.classify_restructured`; and the replay finds the
loan's slip in the specified period as it runs its day-ends (where the hub replayed a
second time with the slip the first replay showed). The slip is found here by the rule
:func:`lms_core.loans.restructure_rules.first_slip` applies to a history (a due unpaid
``tolerance`` days after it fell due), the live code by DPD, so the properties also
check that the two rules agree.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from lms_core.ledger import Imbalance, Journal, LedgerProblem, Posting
from lms_core.loans.classification import (
    AssetClass,
    Restructured,
    classify,
    classify_restructured,
    days_past_due,
)
from lms_core.loans.loan_day import (
    Applied,
    DayRules,
    DueKey,
    DueKind,
    OpenDue,
    Payment,
    PlannedInstallment,
    Replay,
)
from lms_core.money import PAISA, ZERO, Currency, MoneyError, RoundingMode
from lms_core.waterfall import (
    Allocation,
    AllocationLine,
    Bucket,
    Component,
    Due,
    ExcessHandling,
    Strategy,
    Traversal,
)

DAYS_IN_YEAR = Decimal(365)
OVERDUE_BASE = (Component.PRINCIPAL, Component.INTEREST)


# --- lms_core/money.py -------------------------------------------------------------

_DECIMAL_MODES = {
    RoundingMode.UP: decimal.ROUND_UP,
    RoundingMode.DOWN: decimal.ROUND_DOWN,
    RoundingMode.CEILING: decimal.ROUND_CEILING,
    RoundingMode.FLOOR: decimal.ROUND_FLOOR,
    RoundingMode.HALF_UP: decimal.ROUND_HALF_UP,
    RoundingMode.HALF_DOWN: decimal.ROUND_HALF_DOWN,
    RoundingMode.HALF_EVEN: decimal.ROUND_HALF_EVEN,
}


def D(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal; the only way money enters a calculation.

    Accepts Decimal, int and numeric strings ("1234.50", "1,234.50" is refused: strip
    grouping at the edge where the format is known). Raises :class:`MoneyError` for a
    float, a bool, NaN / infinity or text that is not a number.
    """
    if isinstance(value, bool | float):
        raise MoneyError(
            f"refusing {type(value).__name__} {value!r} as money: pass a str or Decimal"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise MoneyError(f"not a number: {value!r}") from None
    else:
        raise MoneyError(f"refusing {type(value).__name__} {value!r} as money")
    if not result.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return result


def round_to(value: Decimal, places: int = 2, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=_DECIMAL_MODES[RoundingMode(mode)])


def round_money(value: Decimal, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    return round_to(value, 2, mode)


# --- lms_core/waterfall.py ---------------------------------------------------------


def bucket_of(due_date: date, as_of: date) -> Bucket:
    """Return whether a due dated ``due_date`` is overdue, due or future on ``as_of``."""
    if due_date < as_of:
        return Bucket.OVERDUE
    return Bucket.DUE if due_date == as_of else Bucket.FUTURE


def _step_index(strategy: Strategy, component: Component, bucket: Bucket) -> int | None:
    for index, step in enumerate(strategy.steps):
        if step.component is component and step.bucket in (None, bucket):
            return index
    return None


def _ordered(dues: Iterable[Due], as_of: date, strategy: Strategy) -> list[tuple[Due, Bucket]]:
    """Return the current (overdue and due) dues in the order the strategy settles them."""
    keyed = []
    for due in dues:
        bucket = bucket_of(due.due_date, as_of)
        if bucket is Bucket.FUTURE or due.amount <= 0:
            continue
        step = _step_index(strategy, due.component, bucket)
        if step is None:
            continue
        age = (due.due_date, due.installment)
        key = (*age, step) if strategy.traversal is Traversal.INSTALLMENT_FIRST else (step, *age)
        keyed.append((key, due, bucket))
    keyed.sort(key=lambda item: item[0])
    return [(due, bucket) for _, due, bucket in keyed]


def _future(dues: Iterable[Due], as_of: date, strategy: Strategy) -> list[tuple[Due, Bucket]]:
    """Return the future dues, installment by installment in the strategy's component order."""
    order = {c: i for i, c in enumerate(dict.fromkeys(s.component for s in strategy.steps))}
    future = [
        d
        for d in dues
        if bucket_of(d.due_date, as_of) is Bucket.FUTURE and d.amount > 0 and d.component in order
    ]
    future.sort(key=lambda d: (d.due_date, d.installment, order[d.component]))
    return [(due, Bucket.FUTURE) for due in future]


def allocate(
    dues: Iterable[Due],
    amount: Decimal,
    as_of: date,
    strategy: Strategy,
    excess_handling: ExcessHandling = ExcessHandling.ADVANCE,
) -> Allocation:
    """Return how ``amount`` paid on ``as_of`` settles ``dues`` under ``strategy``.

    Overdue and due dues are settled in the strategy's order; with
    ``next_installments`` the rest goes on to future installments, oldest first. What
    remains is the ``excess``, tagged with its handling for the caller to hold as an
    advance or to pass to :func:`lms_core.prepayment.prepay`. Raises ValueError for a
    negative amount.
    """
    if amount < 0:
        raise ValueError(f"payment amount cannot be negative: {amount}")
    dues = list(dues)
    queue = _ordered(dues, as_of, strategy)
    if excess_handling is ExcessHandling.NEXT_INSTALLMENTS:
        queue += _future(dues, as_of, strategy)
    lines: list[AllocationLine] = []
    left = amount
    for due, bucket in queue:
        if left <= 0:
            break
        take = min(left, due.amount)
        left -= take
        lines.append(AllocationLine(due.installment, due.due_date, due.component, bucket, take))
    return Allocation(tuple(lines), left, excess_handling)


# --- lms_core/loans/loan_day.py ------------------------------------------------


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
            if rules.restructured is not None and _slips(book, day, rules.restructured):
                rules = replace(rules, restructured=replace(rules.restructured, slipped=day))
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
    if rules.restructured is not None:  # added with restructuring (see the module doc)
        return dpd, classify_restructured(dpd, previous, day, rules.restructured, rules.npa_dpd)
    return dpd, classify(dpd, previous, rules.npa_dpd)


def _slips(book, day: date, state: Restructured) -> bool:
    """Whether the day-end of ``day`` is the period's first slip, by first_slip's rule: a
    principal or interest due still unpaid ``tolerance`` days after it fell due (checked
    from the restructure on, to the end of the period)."""
    if state.slipped is not None or not state.on <= day <= state.until:
        return False
    return any(
        d.key.component in OVERDUE_BASE
        and d.outstanding > 0
        and max(d.due_date + timedelta(days=state.tolerance), state.on) <= day
        for d in book.values()
    )


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


# --- lms_core/ledger/__init__.py ------------------------------------------------------------


def debit(account: str, amount: Decimal, **kw: object) -> Posting:
    """Return a posting debiting ``account`` by the positive ``amount``."""
    return Posting(account, D(amount), **kw)


def credit(account: str, amount: Decimal, **kw: object) -> Posting:
    """Return a posting crediting ``account`` by the positive ``amount``."""
    return Posting(account, -D(amount), **kw)


def imbalances(postings: Iterable[Posting]) -> list[Imbalance]:
    """Return the non-zero sum of ``postings`` per currency (empty when balanced)."""
    sums: dict[Currency, Decimal] = defaultdict(lambda: ZERO)
    for posting in postings:
        sums[posting.currency] += posting.amount
    return [Imbalance(cur, total) for cur, total in sorted(sums.items()) if total != 0]


def validate(journal: Journal) -> list[LedgerProblem]:
    """Return every reason ``journal`` cannot be posted (empty list when it can)."""
    problems: list[LedgerProblem] = []
    if not journal.postings:
        problems.append(LedgerProblem("postings", "a journal needs at least two postings"))
    for i, posting in enumerate(journal.postings):
        where = f"postings[{i}]"
        if posting.amount == 0:
            problems.append(LedgerProblem(where, f"zero amount on {posting.account}"))
        elif posting.amount != posting.amount.quantize(PAISA):
            problems.append(LedgerProblem(where, f"{posting.amount} is finer than a paisa"))
        if not posting.account:
            problems.append(LedgerProblem(where, "no account"))
    for gap in imbalances(journal.postings):
        problems.append(
            LedgerProblem(
                "postings",
                f"unbalanced in {gap.currency}: debits exceed credits by {gap.difference}",
            )
        )
    return problems


# --- lms_core/loans/accrual_plan.py --------------------------------------------


def accrued_on_line(line: PlannedInstallment, day: date) -> Decimal:
    """Return the part of ``line``'s interest accrued by the day-end of ``day``."""
    if day <= line.period_start:
        return ZERO
    if day >= line.due_date:
        return line.interest
    elapsed = (day - line.period_start).days
    period = (line.due_date - line.period_start).days
    return round_money(line.interest * elapsed / period, RoundingMode.HALF_EVEN)
