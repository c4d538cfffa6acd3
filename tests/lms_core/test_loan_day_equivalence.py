"""The optimised servicing calculation gives exactly what the reference one gave (hypothesis).

``tests/lms_core/reference_loan_day.py`` keeps the implementation as it was before the
performance work. Each property draws random dues, plans, payments, rules and journals,
runs the live function and the reference, and compares ``repr`` of the results: equal
values *and* equal Decimal exponents (``Decimal("1.0")`` and ``Decimal("1.00")`` are equal
but would be stored and printed differently). Inputs include the odd shapes the live code
must still honour: unsorted plans, duplicate keys, overpaid dues, dues of one kind filed
under another's slot, negative grace days, payments before the replay's start.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from lms_core import ledger, money
from lms_core.ledger import Journal, Posting
from lms_core.ledger import lines as ledger_lines
from lms_core.loans import accrual_plan, day_end, loan_day
from lms_core.loans.classification import AssetClass, Restructured
from lms_core.loans.day_end import LoanDayStart
from lms_core.loans.loan_day import (
    DayRules,
    DueKey,
    DueKind,
    OpenDue,
    Payment,
    PlannedInstallment,
)
from lms_core.money import Currency, RoundingMode
from lms_core.waterfall import STRATEGIES, Component, Due, ExcessHandling, allocate
from tests.lms_core import reference_loan_day as ref

EXAMPLES = settings(max_examples=400, deadline=None, database=None)
START = date(2024, 3, 1)

paise = st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c) / 100)
# Amounts as stored (scale 2) and, now and then, at another scale.
amounts = st.one_of(
    paise,
    st.integers(min_value=0, max_value=50_000).map(Decimal),
    st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c).scaleb(-3)),
)
offsets = st.integers(min_value=-70, max_value=40)
strategies = st.sampled_from(sorted(STRATEGIES.values(), key=lambda s: s.name))
classes = st.sampled_from(list(AssetClass))


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


@st.composite
def plans(draw) -> list[PlannedInstallment]:
    count = draw(st.integers(min_value=0, max_value=6))
    gaps = draw(st.lists(st.integers(1, 35), min_size=count, max_size=count))
    first = draw(st.integers(-100, 20))
    lines, due = [], _day(first)
    for number, gap in enumerate(gaps, start=1):
        start, due = due, due + timedelta(days=gap)
        fee = draw(st.one_of(st.just(Decimal("0.00")), paise))
        lines.append(PlannedInstallment(number, start, due, draw(amounts), draw(amounts), fee))
    if draw(st.booleans()) and len(lines) > 1 and draw(st.integers(0, 9)) == 0:
        lines.reverse()  # an unsorted plan: the replay must stop where it always stopped
    return lines


@st.composite
def keys(draw) -> DueKey:
    kind = draw(st.sampled_from(list(DueKind)))
    installment = draw(st.one_of(st.integers(1, 6), st.integers(99_995, 100_006)))
    if draw(st.integers(0, 9)) == 0:  # a key filed under another kind's (slot, component)
        component = draw(st.sampled_from(list(Component)))
    else:
        component = {
            DueKind.INSTALLMENT: draw(
                st.sampled_from([Component.PRINCIPAL, Component.INTEREST, Component.FEE])
            ),
            DueKind.PENAL: Component.PENALTY,
            DueKind.LATE_FEE: Component.FEE,
            DueKind.BOUNCE: Component.FEE,
        }[kind]
    return DueKey(kind, installment, component)


@st.composite
def dues(draw) -> list[OpenDue]:
    out = []
    for key in draw(st.lists(keys(), max_size=9)):
        amount = draw(amounts)
        paid = draw(
            st.one_of(
                st.just(amount),
                st.just(Decimal("0.00")),
                st.integers(0, 100).map(lambda pct, a=amount: money.round_to(a * pct / 100)),
                paise,
            )
        )  # fmt: skip
        out.append(OpenDue(key, _day(draw(offsets)), amount, paid))
    return out


@st.composite
def restructured(draw) -> Restructured:
    on = _day(draw(st.integers(-30, 20)))
    until = on + timedelta(days=draw(st.integers(0, 40)))
    slipped = draw(st.none() | st.integers(-30, 60).map(_day))
    return Restructured(on, until, draw(st.integers(0, 5)), draw(st.booleans()), slipped)


@st.composite
def rules(draw) -> DayRules:
    return DayRules(
        draw(strategies),
        draw(strategies),
        draw(st.one_of(st.just(Decimal(0)), st.integers(0, 3600).map(lambda r: Decimal(r) / 100))),
        draw(st.integers(-2, 10)),
        draw(st.one_of(st.just(Decimal(0)), paise)),
        draw(st.integers(-3, 45)),
        draw(st.integers(0, 120)),
        draw(st.none() | restructured()),
    )  # fmt: skip


@st.composite
def payments(draw) -> list[Payment]:
    count = draw(st.integers(0, 4))
    days = sorted(draw(st.lists(st.integers(-3, 25), min_size=count, max_size=count)))
    return [Payment(ref, _day(d), draw(amounts)) for ref, d in enumerate(days, start=1)]


def _outcome(fn, *args):
    """Return ``repr`` of the result, or the exception's type and message."""
    try:
        return repr(fn(*args))
    except (ValueError, ArithmeticError, KeyError) as exc:
        return f"raised {type(exc).__name__}: {exc}"


@EXAMPLES
@given(dues(), plans(), payments(), rules(), st.integers(-3, 30), classes)
def test_replay_matches_reference(book, plan, pays, day_rules, eod_offset, cls):
    args = (book, plan, pays, day_rules, START, _day(eod_offset), cls)
    assert _outcome(loan_day.replay, *args) == _outcome(ref.replay, *args)


@EXAMPLES
@given(dues(), plans(), payments(), rules(), classes)
def test_bulk_payment_day_matches_reference(book, plan, pays, day_rules, cls):
    """The shape bulk posting calls: payments today, no day-end after them."""
    today = [Payment(p.ref, START, p.amount) for p in pays]
    args = (book, plan, today, day_rules, START, START - timedelta(days=1), cls)
    assert _outcome(loan_day.replay, *args) == _outcome(ref.replay, *args)


@EXAMPLES
@given(dues(), plans(), rules(), classes, st.integers(0, 7), st.integers(-5, 5))
def test_close_loan_day_matches_reference(book, plan, day_rules, cls, pick, offset):
    """End-of-day of one loan (quiet, billing and overdue shapes) on old and new internals.

    ``close_loan_day`` itself belongs to the end-of-day module; what this checks is that
    it comes out the same when the functions it calls are the reference ones.
    """
    line = plan[pick] if pick < len(plan) else None
    day = line.due_date + timedelta(days=offset) if line is not None else _day(offset)
    loan = LoanDayStart(11, Currency.INR, cls)
    args = (loan, line, book, day_rules, day)
    live = _outcome(day_end.close_loan_day, *args)
    with (
        patch.object(day_end, "replay", ref.replay),
        patch.object(day_end, "accrued_on_line", ref.accrued_on_line),
        patch.object(ledger_lines, "debit", ref.debit),  # the day-end's postings are made here
        patch.object(ledger_lines, "credit", ref.credit),
    ):
        assert live == _outcome(day_end.close_loan_day, *args)


@st.composite
def waterfall_dues(draw) -> list[Due]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        component = draw(st.sampled_from(list(Component)))
        due_date = _day(draw(st.integers(-40, 40)))
        amount = draw(st.one_of(amounts, st.just(Decimal("-1.00"))))
        out.append(Due(draw(st.integers(1, 4)), due_date, component, amount))
    return out


@EXAMPLES
@given(waterfall_dues(), amounts, st.integers(-10, 10), strategies, st.sampled_from(ExcessHandling))
def test_allocate_matches_reference(offered, amount, as_of, strategy, handling):
    args = (offered, amount, _day(as_of), strategy, handling)
    assert _outcome(allocate, *args) == _outcome(ref.allocate, *args)


def test_negative_payment_raises_like_reference():
    pay = [Payment(1, START, Decimal("-1.00"))]
    rules_ = DayRules(STRATEGIES["rbi_overdue_due"], STRATEGIES["principal_first"])
    args = ([], [], pay, rules_, START, START, AssetClass.STANDARD)
    assert _outcome(loan_day.replay, *args) == _outcome(ref.replay, *args)
    assert _outcome(loan_day.replay, *args).startswith("raised ValueError")


def test_colliding_slots_settle_like_reference():
    """Two open dues filed under one (slot, component): both lines go to the last one.

    A penal due keyed with the interest component shares installment 2's slot; the
    waterfall's index keeps the later due, so both settlements land on it.
    """
    interest = DueKey(DueKind.INSTALLMENT, 2, Component.INTEREST)
    odd = DueKey(DueKind.PENAL, 2, Component.INTEREST)
    book = [
        OpenDue(interest, START - timedelta(days=5), Decimal("300.00")),
        OpenDue(odd, START - timedelta(days=2), Decimal("40.00")),
    ]
    pay = [Payment(1, START, Decimal("500.00"))]
    rules_ = DayRules(STRATEGIES["penalties_fees_interest_principal"], STRATEGIES["settlement"])
    args = (book, [], pay, rules_, START, START - timedelta(days=1), AssetClass.STANDARD)
    live = loan_day.replay(*args)
    assert repr(live) == repr(ref.replay(*args))
    assert [(a.key, a.amount) for a in live.applied] == [
        (odd, Decimal("300.00")),
        (odd, Decimal("40.00")),
    ]
    assert live.excess == ((1, Decimal("160.00")),)


posting_amounts = st.one_of(
    amounts,
    amounts.map(lambda a: -a),
    st.integers(-10**6, 10**6).map(lambda c: Decimal(c).scaleb(-4)),
    st.just(Decimal("0")),
)  # fmt: skip


@st.composite
def journals(draw) -> Journal:
    postings = []
    for _ in range(draw(st.integers(0, 5))):
        account = draw(st.sampled_from(["ESCROW_BANK", "LOAN_PRINCIPAL", "INTEREST_DUE", ""]))
        currency = draw(st.sampled_from([Currency.INR, Currency.INR, Currency.USD]))
        postings.append(Posting(account, draw(posting_amounts), currency))
    if postings and draw(st.booleans()):  # balance the first currency
        rest = sum((p.amount for p in postings if p.currency == postings[0].currency), Decimal(0))
        postings.append(Posting("BORROWER_ADVANCE", -rest, postings[0].currency))
    return Journal("repayment", START, tuple(postings))


@EXAMPLES
@given(journals())
def test_validate_matches_reference(journal):
    assert _outcome(ledger.validate, journal) == _outcome(ref.validate, journal)
    problems = ref.validate(journal)
    if problems:
        assert _outcome(ledger.require_valid, journal).startswith("raised UnbalancedJournal")
    else:
        assert ledger.require_valid(journal) is journal


@EXAMPLES
@given(
    st.one_of(
        amounts,
        st.integers(-(10**9), 10**9).map(lambda c: Decimal(c).scaleb(-6)),
        st.decimals(allow_nan=False, allow_infinity=False, places=None),
    ),
    st.integers(-6, 14),
    st.sampled_from([*RoundingMode, "half_up", "half_even", "nearest"]),
)
def test_rounding_matches_reference(value, places, mode):
    assert _outcome(money.round_to, value, places, mode) == _outcome(
        ref.round_to, value, places, mode
    )
    assert _outcome(money.round_money, value, mode) == _outcome(ref.round_money, value, mode)


@EXAMPLES
@given(
    st.one_of(
        amounts,
        st.integers(-(10**6), 10**6),
        st.text(alphabet="0123456789.-e ,", max_size=8),
        st.sampled_from(["NaN", "Infinity", "-0.00", "1e3"]),
        st.booleans(),
        st.floats(allow_nan=False),
        st.none(),
    )
)
def test_money_constructor_matches_reference(value):
    assert _outcome(money.D, value) == _outcome(ref.D, value)


@EXAMPLES
@given(plans(), st.integers(-120, 200))
def test_accrual_matches_reference(plan, offset):
    for line in plan:
        day = _day(offset)
        live = accrual_plan.accrued_on_line(line, day)
        assert repr(live) == repr(ref.accrued_on_line(line, day))
