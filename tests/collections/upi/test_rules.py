"""The UPI AutoPay rules, table-driven (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from formats.upi.autopay_events import EventKind
from hub.collections.upi.rules import (
    CycleView,
    DebitStatus,
    MandateView,
    Recurrence,
    UpiRules,
    amount_problem,
    cycle_key,
    debit_refusal,
    debit_transition,
    mandate_target,
    notice_refusal,
)

START = date(2024, 1, 15)


@pytest.mark.parametrize(
    ("recurrence", "debit_date", "key"),
    [
        (Recurrence.MONTHLY, date(2024, 1, 31), "2024-01"),
        (Recurrence.MONTHLY, date(2024, 2, 1), "2024-02"),
        (Recurrence.QUARTERLY, date(2024, 3, 31), "M1"),  # Jan, Feb, Mar from the start
        (Recurrence.QUARTERLY, date(2024, 4, 1), "M2"),
        (Recurrence.WEEKLY, date(2024, 1, 21), "W1"),  # days 0..6 after the start
        (Recurrence.WEEKLY, date(2024, 1, 22), "W2"),
        (Recurrence.FORTNIGHTLY, date(2024, 1, 28), "F1"),
        (Recurrence.ASPRESENTED, date(2024, 1, 20), "2024-01-20"),
        (Recurrence.ONETIME, date(2024, 6, 1), "once"),
    ],
)
def test_cycle_keys(recurrence, debit_date, key):
    assert cycle_key(recurrence, START, debit_date) == key


@pytest.mark.parametrize(
    ("rule", "limit", "amount", "problem"),
    [
        ("max", "5000", "5000.00", None),
        ("max", "5000", "5000.01", "amount 5000.01 is above the mandate's maximum 5000"),
        ("fixed", "5000", "5000", None),
        ("fixed", "5000", "4999.99", "amount 4999.99 differs from the mandate's exact amount 5000"),
        ("max", "5000", "0", "amount 0 must be positive"),
    ],
)
def test_amount_rule(rule, limit, amount, problem):
    assert amount_problem(rule, Decimal(limit), Decimal(amount)) == problem


MANDATE = MandateView("registered", "max", Decimal("10000"), date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("mandate", "debit_date", "problem"),
    [
        (MANDATE, date(2024, 1, 2), None),
        (
            MANDATE,
            date(2024, 1, 1),
            "debit date 2024-01-01 must be after the business date 2024-01-01",
        ),
        (MANDATE, date(2025, 1, 1), "debit date 2025-01-01 is outside the mandate's validity"),
        (
            MandateView("paused", "max", Decimal("10000"), date(2024, 1, 1), None),
            date(2024, 1, 2),
            "mandate is paused, not registered",
        ),
    ],
)
def test_notice_refusal(mandate, debit_date, problem):
    assert notice_refusal(mandate, Decimal("5000"), debit_date, date(2024, 1, 1)) == problem


NOTIFIED_AT = datetime(2024, 1, 1, 4, 30, tzinfo=UTC)  # 10:00 IST
CYCLE = CycleView("notified", Decimal("5000.00"), NOTIFIED_AT, date(2024, 1, 2), 0)
RULES = UpiRules(additional_auth_limit=Decimal("15000"), max_attempts=3)
DAY2 = date(2024, 1, 2)


@pytest.mark.parametrize(
    ("cycle", "amount", "after", "today", "refusal"),
    [
        (CYCLE, "5000.00", timedelta(hours=24), DAY2, None),
        (CYCLE, "5000.00", timedelta(hours=24, seconds=-1), DAY2, "pre-debit notice is younger"),
        (CYCLE, "4999.99", timedelta(hours=30), DAY2, "differs from the notified amount 5000.00"),
        (CYCLE, "5000.00", timedelta(hours=48), date(2024, 1, 1), "before the notified debit date"),
        (
            CycleView("paid", Decimal("5000.00"), NOTIFIED_AT, DAY2, 1),
            "5000.00",
            timedelta(hours=30),
            DAY2,
            "cycle already has its debit (paid)",
        ),
        (
            CycleView("debiting", Decimal("5000.00"), NOTIFIED_AT, DAY2, 1),
            "5000.00",
            timedelta(hours=30),
            DAY2,
            "cycle already has its debit (debiting)",
        ),
        (
            CycleView("retry", Decimal("5000.00"), NOTIFIED_AT, DAY2, 2),
            "5000.00",
            timedelta(hours=30),
            DAY2,
            None,
        ),
        (
            CycleView("retry", Decimal("5000.00"), NOTIFIED_AT, DAY2, 3),
            "5000.00",
            timedelta(hours=30),
            DAY2,
            "all 3 attempts of the cycle are used",
        ),
        (
            CycleView("needs_auth", Decimal("20000.00"), NOTIFIED_AT, DAY2, 0),
            "20000.00",
            timedelta(hours=30),
            DAY2,
            "above the additional-authentication limit",
        ),
    ],
)
def test_debit_refusal(cycle, amount, after, today, refusal):
    found = debit_refusal(RULES, MANDATE, cycle, Decimal(amount), NOTIFIED_AT + after, today)
    if refusal is None:
        assert found is None
    else:
        assert refusal in found


@pytest.mark.parametrize(
    ("status", "kind", "target"),
    [
        ("submitted", EventKind.MANDATE_ACTIVE, "registered"),
        ("paused", EventKind.MANDATE_ACTIVE, "registered"),
        ("registered", EventKind.MANDATE_ACTIVE, None),
        ("submitted", EventKind.MANDATE_PAUSED, "paused"),
        ("submitted", EventKind.MANDATE_REJECTED, "rejected"),
        ("registered", EventKind.MANDATE_REJECTED, None),
        ("paused", EventKind.MANDATE_CANCELLED, "cancelled"),
        ("cancelled", EventKind.MANDATE_ACTIVE, None),
        ("registered", EventKind.MANDATE_EXPIRED, "expired"),
    ],
)
def test_mandate_target(status, kind, target):
    assert mandate_target(status, kind) == target


@pytest.mark.parametrize(
    ("status", "kind", "new"),
    [
        (DebitStatus.PENDING, EventKind.DEBIT_SUCCESS, DebitStatus.SUCCESS),
        (DebitStatus.PENDING, EventKind.DEBIT_FAILED, DebitStatus.FAILED),
        (DebitStatus.FAILED, EventKind.DEBIT_SUCCESS, DebitStatus.SUCCESS),
        (DebitStatus.SUCCESS, EventKind.DEBIT_FAILED, None),
        (DebitStatus.SUCCESS, EventKind.REFUND_PROCESSED, DebitStatus.REFUNDED),
        (DebitStatus.REFUNDED, EventKind.DEBIT_SUCCESS, None),
    ],
)
def test_debit_transition(status, kind, new):
    assert debit_transition(status, kind) == new
