"""Payment allocation (the waterfall): which open dues a payment settles, in what order.

A strategy is *data*: an ordered tuple of :class:`Step` (a component, optionally limited
to the overdue or the due bucket) and a traversal:

* ``installment_first``: the oldest installment is cleared component by component
  before the next one is touched (Fineract's per-installment strategies);
* ``component_first``: each step runs across all installments, oldest first, before
  the next step (RBI-style "all overdue interest, then ...").

A due is *overdue* when its date is before the as-of date and *due* on it; later dues are
*future* and are reached only when the excess is applied to the next installments.
A due whose component no step names is never allocated by that strategy.

Named strategies follow Fineract (``penalties_fees_interest_principal``, the standard
one; ``interest_principal_penalties_fees``; ``rbi_overdue_due``: overdue then due
interest, then overdue then due principal, then fees and penalties) and Frappe Lending's
asset-class-aware offsets (``principal_first`` for sub-standard / NPA and written-off
loans, whose interest is not recognised as income; ``settlement``). A
:class:`WaterfallPolicy` picks the strategy for a :class:`LoanState`.

:func:`allocate` is pure: open dues + amount + as-of date + strategy in, frozen
allocation lines + excess out. It never allocates more than paid nor more than due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from operator import itemgetter
from types import MappingProxyType

from lms_core.money import ZERO


class Component(StrEnum):
    PENALTY = "penalty"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class Bucket(StrEnum):
    OVERDUE = "overdue"
    DUE = "due"
    FUTURE = "future"


class Traversal(StrEnum):
    INSTALLMENT_FIRST = "installment_first"
    COMPONENT_FIRST = "component_first"


class LoanState(StrEnum):
    STANDARD = "standard"
    NPA = "npa"
    WRITTEN_OFF = "written_off"
    SETTLEMENT = "settlement"


class ExcessHandling(StrEnum):
    ADVANCE = "advance"  # held as an advance, adjusted against the next demands
    REDUCE_PRINCIPAL = "reduce_principal"  # a part prepayment: re-amortize
    NEXT_INSTALLMENTS = "next_installments"  # settle future installments now


@dataclass(frozen=True, slots=True)
class Step:
    component: Component
    bucket: Bucket | None = None  # None: overdue and due alike


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    steps: tuple[Step, ...]
    traversal: Traversal = Traversal.INSTALLMENT_FIRST


@dataclass(frozen=True, slots=True)
class Due:
    """An open amount: ``amount`` outstanding of ``component`` of installment ``installment``."""

    installment: int
    due_date: date
    component: Component
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AllocationLine:
    installment: int
    due_date: date
    component: Component
    bucket: Bucket
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Allocation:
    """The lines a payment settles, and what is left over (``excess``) with its handling."""

    lines: tuple[AllocationLine, ...]
    excess: Decimal
    excess_handling: ExcessHandling

    def allocated(self) -> Decimal:
        """Return the sum of the allocation lines."""
        return sum((line.amount for line in self.lines), ZERO)


def _steps(*names: str, bucketed: bool = False) -> tuple[Step, ...]:
    if not bucketed:
        return tuple(Step(Component(n)) for n in names)
    return tuple(Step(Component(c), Bucket(b)) for n in names for b, c in [n.split(":")])


PENALTIES_FEES_INTEREST_PRINCIPAL = Strategy(
    "penalties_fees_interest_principal", _steps("penalty", "fee", "interest", "principal")
)
INTEREST_PRINCIPAL_PENALTIES_FEES = Strategy(
    "interest_principal_penalties_fees", _steps("interest", "principal", "penalty", "fee")
)
RBI_OVERDUE_DUE = Strategy(
    "rbi_overdue_due",
    _steps(
        "overdue:interest",
        "due:interest",
        "overdue:principal",
        "due:principal",
        "overdue:fee",
        "due:fee",
        "overdue:penalty",
        "due:penalty",
        bucketed=True,
    ),
    Traversal.COMPONENT_FIRST,
)
PRINCIPAL_FIRST = Strategy(
    "principal_first", _steps("principal", "interest", "fee", "penalty"), Traversal.COMPONENT_FIRST
)
SETTLEMENT = Strategy(
    "settlement", _steps("principal", "interest", "fee", "penalty"), Traversal.INSTALLMENT_FIRST
)
STRATEGIES: Mapping[str, Strategy] = MappingProxyType(
    {
        s.name: s
        for s in (
            PENALTIES_FEES_INTEREST_PRINCIPAL,
            INTEREST_PRINCIPAL_PENALTIES_FEES,
            RBI_OVERDUE_DUE,
            PRINCIPAL_FIRST,
            SETTLEMENT,
        )
    }
)


@dataclass(frozen=True, slots=True)
class WaterfallPolicy:
    """The strategy for each loan state (a product's configuration)."""

    standard: Strategy = PENALTIES_FEES_INTEREST_PRINCIPAL
    npa: Strategy = PRINCIPAL_FIRST
    written_off: Strategy = PRINCIPAL_FIRST
    settlement: Strategy = SETTLEMENT

    def strategy_for(self, state: LoanState) -> Strategy:
        """Return the strategy that applies to a loan in ``state``."""
        return getattr(self, LoanState(state).value)


def bucket_of(due_date: date, as_of: date) -> Bucket:
    """Return whether a due dated ``due_date`` is overdue, due or future on ``as_of``."""
    if due_date < as_of:
        return Bucket.OVERDUE
    return Bucket.DUE if due_date == as_of else Bucket.FUTURE


@dataclass(frozen=True, slots=True)
class StepTable:
    """A strategy's steps as look-ups, built once per strategy (see :func:`step_table`).

    ``overdue`` and ``due`` map ``id(component)`` to the first step that settles that
    component in that bucket: steps name their component by identity (an enum member),
    so the look-up is by identity too. ``future`` is the component order for future
    installments (by value, as :func:`allocate` has always compared it).
    """

    installment_first: bool
    overdue: Mapping[int, int]
    due: Mapping[int, int]
    future: Mapping[Component, int]


_TABLES: dict[int, tuple[Strategy, StepTable]] = {}
_TABLES_MAX = 256  # strategies are few (one per product rule set); a bound stops a leak


def step_table(strategy: Strategy) -> StepTable:
    """Return ``strategy``'s :class:`StepTable` (cached per strategy object)."""
    hit = _TABLES.get(id(strategy))
    if hit is not None and hit[0] is strategy:
        return hit[1]
    table = StepTable(
        strategy.traversal is Traversal.INSTALLMENT_FIRST,
        _first_steps(strategy, Bucket.OVERDUE),
        _first_steps(strategy, Bucket.DUE),
        {c: i for i, c in enumerate(dict.fromkeys(s.component for s in strategy.steps))},
    )
    if len(_TABLES) >= _TABLES_MAX:
        _TABLES.clear()
    # The entry holds the strategy itself, so its id cannot be reused while cached.
    _TABLES[id(strategy)] = (strategy, table)
    return table


def _first_steps(strategy: Strategy, bucket: Bucket) -> dict[int, int]:
    first: dict[int, int] = {}
    for index, step in enumerate(strategy.steps):
        if step.bucket in (None, bucket):
            first.setdefault(id(step.component), index)
    return first


def _ordered(dues: Iterable[Due], as_of: date, table: StepTable) -> list[tuple[Due, Bucket]]:
    """Return the current (overdue and due) dues in the order the strategy settles them."""
    keyed = []
    overdue, due_now, installment_first = table.overdue, table.due, table.installment_first
    for due in dues:
        due_date = due.due_date
        if due_date < as_of:
            bucket, steps = Bucket.OVERDUE, overdue
        elif due_date == as_of:
            bucket, steps = Bucket.DUE, due_now
        else:
            continue
        if due.amount <= 0:
            continue
        step = steps.get(id(due.component))
        if step is None:
            continue
        age = (due_date, due.installment)
        keyed.append(((*age, step) if installment_first else (step, *age), due, bucket))
    keyed.sort(key=itemgetter(0))
    return [(due, bucket) for _, due, bucket in keyed]


def _future(dues: Iterable[Due], as_of: date, table: StepTable) -> list[tuple[Due, Bucket]]:
    """Return the future dues, installment by installment in the strategy's component order."""
    order = table.future
    future = [d for d in dues if d.due_date > as_of and d.amount > 0 and d.component in order]
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
    table = step_table(strategy)
    queue = _ordered(dues, as_of, table)
    if excess_handling is ExcessHandling.NEXT_INSTALLMENTS:
        queue += _future(dues, as_of, table)
    lines: list[AllocationLine] = []
    left = amount
    for due, bucket in queue:
        if left <= 0:
            break
        take = min(left, due.amount)
        left -= take
        lines.append(AllocationLine(due.installment, due.due_date, due.component, bucket, take))
    return Allocation(tuple(lines), left, excess_handling)
