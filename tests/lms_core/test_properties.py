"""Properties that hold for every valid loan, payment and split (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lms_core.accrual import AccrualState, accrue_range
from lms_core.daycount import DayCount
from lms_core.money import RoundingMode
from lms_core.schedule.build import build_schedule
from lms_core.schedule.terms import (
    Amortization,
    Frequency,
    InstallmentRounding,
    InterestBasis,
    InterestMethod,
    Moratorium,
    MoratoriumInterest,
    Step,
)
from lms_core.schedule.validate import validate_terms
from lms_core.split import split
from lms_core.terms_json import preview_schedule
from lms_core.waterfall import STRATEGIES, Component, Due, ExcessHandling, allocate
from tests.lms_core.helpers import terms

EXAMPLES = settings(max_examples=150, deadline=None, database=None)
cents = st.integers(min_value=100_000, max_value=1_000_000_000).map(lambda c: Decimal(c) / 100)
rates = st.integers(min_value=0, max_value=3600).map(lambda r: Decimal(r) / 100)
regular = st.sampled_from([f for f in Frequency if f is not Frequency.CUSTOM])


@st.composite
def loans(draw):
    amortization = draw(st.sampled_from([a for a in Amortization if a is not Amortization.CUSTOM]))
    tenure = draw(st.integers(min_value=1, max_value=120))
    method = InterestMethod.DECLINING
    mora = Moratorium()
    if amortization is Amortization.EQUAL_INSTALLMENT:
        method = draw(st.sampled_from(list(InterestMethod)))
    if method is InterestMethod.DECLINING and tenure > 3:
        mora = Moratorium(
            draw(st.integers(0, 1)), draw(st.integers(0, 1)),
            draw(st.sampled_from(list(MoratoriumInterest))),
        )  # fmt: skip
    disbursed = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 800)))
    return terms(
        principal=draw(cents),
        annual_rate=draw(rates),
        tenure=tenure,
        frequency=draw(regular),
        disbursement_date=disbursed,
        interest_method=method,
        amortization=amortization,
        interest_basis=draw(st.sampled_from(list(InterestBasis))),
        day_count=draw(st.sampled_from(list(DayCount))),
        installment_rounding=InstallmentRounding(
            draw(st.sampled_from([Decimal("0.01"), Decimal(1), Decimal(10)])),
            draw(st.sampled_from(list(RoundingMode))),
        ),
        moratorium=mora,
        balloon_percent=Decimal(30) if amortization is Amortization.BALLOON else Decimal(0),
        step=Step(draw(st.integers(1, 12)), Decimal(draw(st.integers(-20, 20))))
        if amortization is Amortization.STEP
        else None,
    )


@EXAMPLES
@given(loans())
def test_every_schedule_repays_exactly(loan):
    assume(validate_terms(loan) == [])
    schedule = build_schedule(loan)
    lines = schedule.lines
    assert len(lines) == loan.tenure
    lent = schedule.financed + schedule.capitalised_interest
    assert sum(line.principal for line in lines) == lent
    assert all(line.balance >= 0 for line in lines)
    assert lines[-1].balance == 0
    assert all(line.interest >= 0 and line.principal >= 0 for line in lines)
    assert all(line.total == line.principal + line.interest + line.fees for line in lines)


components = st.sampled_from(list(Component))
dues_strategy = st.lists(
    st.builds(
        Due,
        installment=st.integers(1, 12),
        due_date=st.dates(date(2024, 1, 1), date(2024, 12, 31)),
        component=components,
        amount=st.integers(0, 100_000).map(lambda c: Decimal(c) / 100),
    ),
    max_size=30,
)


@EXAMPLES
@given(
    dues_strategy,
    st.integers(0, 2_000_000).map(lambda c: Decimal(c) / 100),
    st.dates(date(2024, 1, 1), date(2024, 12, 31)),
    st.sampled_from(sorted(STRATEGIES)),
    st.sampled_from(list(ExcessHandling)),
)
def test_allocation_never_exceeds_paid_or_due(dues, amount, as_of, name, handling):
    allocation = allocate(dues, amount, as_of, STRATEGIES[name], handling)
    assert allocation.allocated() + allocation.excess == amount
    assert allocation.excess >= 0
    owed: dict[tuple, Decimal] = defaultdict(Decimal)
    for due in dues:
        owed[(due.installment, due.due_date, due.component)] += due.amount
    taken: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in allocation.lines:
        assert line.amount > 0
        taken[(line.installment, line.due_date, line.component)] += line.amount
    assert all(taken[key] <= owed[key] for key in taken)


@EXAMPLES
@given(
    st.integers(-10_000_000, 10_000_000).map(lambda c: Decimal(c) / 100),
    st.lists(st.integers(0, 1000).map(Decimal), min_size=1, max_size=7),
    st.booleans(),
)
def test_splits_always_sum_to_the_whole(amount, weights, named):
    assume(sum(weights) > 0)
    ratios = [(f"p{i}", w) for i, w in enumerate(weights)]
    shares = split(amount, ratios, "p0" if named else None)
    assert sum(s.amount for s in shares) == amount
    # each share is within one paisa of its exact value (largest remainder)
    if not named:
        total = sum(weights)
        for share, (_, weight) in zip(shares, ratios, strict=True):
            assert abs(share.amount - amount * weight / total) < Decimal("0.01")


@settings(max_examples=40, deadline=None, database=None)
@given(
    st.integers(0, 100_000_000).map(lambda c: Decimal(c) / 100),
    rates,
    st.integers(1, 95),
    st.sampled_from(list(DayCount)),
)
def test_daily_postings_sum_to_rounded_cumulative_interest(balance, rate, days, day_count):
    start = date(2024, 1, 30)
    postings, state = accrue_range(
        AccrualState(start), start, start + timedelta(days=days), balance, rate, day_count
    )
    assert sum(p.amount for p in postings) == state.posted
    assert abs(state.posted - state.precise) <= Decimal("0.005")


json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 400),
    st.sampled_from(["0", "1", "15", "-3", "abc", "2024-02-29", "2024-01-15", "monthly"]),
    st.sampled_from(["weekly", "custom", "flat", "rule_of_78", "balloon", "step", "daily"]),
    st.decimals(min_value=-10, max_value=100, places=2),
)
PAYLOAD_KEYS = [
    "principal",
    "annual_rate",
    "tenure",
    "frequency",
    "disbursement_date",
    "first_due_date",
    "interest_method",
    "amortization",
    "interest_basis",
    "down_payment_percent",
    "balloon_percent",
]


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(PAYLOAD_KEYS), json_values))
def test_preview_answers_a_schedule_or_problems_never_raises(changes):
    payload = {
        "principal": "50000",
        "annual_rate": "14",
        "tenure": 12,
        "frequency": "monthly",
        "disbursement_date": "2024-01-10",
        **changes,
    }
    result, problems = preview_schedule(payload)
    assert (result is None) == bool(problems)
    if result is not None:
        # no moratorium here, so nothing is capitalised: principal repaid = financed
        assert result["totals"]["principal"] == result["summary"]["financed"]
        assert result["installments"][-1]["balance"] == "0.00"
