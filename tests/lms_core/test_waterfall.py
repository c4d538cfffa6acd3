"""Payment allocation: named strategies applied to the same open dues.

Open dues on 15 Mar 2024 (as-of), installment, due date, component, amount:

    1  2024-02-01  penalty     50
    1  2024-02-01  interest   100
    1  2024-02-01  principal  900
    2  2024-03-01  fee         20
    2  2024-03-01  interest    90
    2  2024-03-01  principal  910
    3  2024-04-01  interest    80   (future)
    3  2024-04-01  principal  920   (future)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms_core.waterfall import (
    INTEREST_PRINCIPAL_PENALTIES_FEES,
    PENALTIES_FEES_INTEREST_PRINCIPAL,
    PRINCIPAL_FIRST,
    RBI_OVERDUE_DUE,
    Bucket,
    Component,
    Due,
    ExcessHandling,
    LoanState,
    WaterfallPolicy,
    allocate,
)

AS_OF = date(2024, 3, 15)
FEB, MAR, APR = date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
PEN, FEE, INT, PR = Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL
DUES = (
    Due(1, FEB, PEN, Decimal(50)),
    Due(1, FEB, INT, Decimal(100)),
    Due(1, FEB, PR, Decimal(900)),
    Due(2, MAR, FEE, Decimal(20)),
    Due(2, MAR, INT, Decimal(90)),
    Due(2, MAR, PR, Decimal(910)),
    Due(3, APR, INT, Decimal(80)),
    Due(3, APR, PR, Decimal(920)),
)


def lines(allocation) -> list[tuple[int, str, str]]:
    return [(a.installment, a.component.value, str(a.amount)) for a in allocation.lines]


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (
            PENALTIES_FEES_INTEREST_PRINCIPAL,
            [(1, "penalty", "50"), (1, "interest", "100"), (1, "principal", "900"),
             (2, "fee", "20"), (2, "interest", "90"), (2, "principal", "40")],
        ),
        (
            INTEREST_PRINCIPAL_PENALTIES_FEES,
            [(1, "interest", "100"), (1, "principal", "900"), (1, "penalty", "50"),
             (2, "interest", "90"), (2, "principal", "60")],
        ),
        (
            RBI_OVERDUE_DUE,  # all overdue interest, then all overdue principal
            [(1, "interest", "100"), (2, "interest", "90"), (1, "principal", "900"),
             (2, "principal", "110")],
        ),
        (
            PRINCIPAL_FIRST,  # NPA: principal across installments before interest
            [(1, "principal", "900"), (2, "principal", "300")],
        ),
    ],
)  # fmt: skip
def test_strategies_order_1200(strategy, expected):
    allocation = allocate(DUES, Decimal(1200), AS_OF, strategy)
    assert lines(allocation) == expected
    assert allocation.allocated() == Decimal(1200)
    assert allocation.excess == 0


def test_due_today_is_due_not_overdue():
    allocation = allocate(DUES, Decimal(10), MAR, RBI_OVERDUE_DUE)
    # on 1 Mar installment 2 is due (not overdue): installment 1's interest goes first
    assert [(a.installment, a.bucket) for a in allocation.lines] == [(1, Bucket.OVERDUE)]


def test_excess_held_as_advance():
    allocation = allocate(DUES, Decimal(2500), AS_OF, PENALTIES_FEES_INTEREST_PRINCIPAL)
    assert allocation.allocated() == Decimal(2070)  # everything overdue
    assert allocation.excess == Decimal(430)
    assert allocation.excess_handling is ExcessHandling.ADVANCE


def test_excess_applied_to_next_installments():
    allocation = allocate(
        DUES, Decimal(2500), AS_OF, PENALTIES_FEES_INTEREST_PRINCIPAL,
        ExcessHandling.NEXT_INSTALLMENTS,
    )  # fmt: skip
    assert lines(allocation)[-2:] == [(3, "interest", "80"), (3, "principal", "350")]
    assert allocation.lines[-1].bucket is Bucket.FUTURE
    assert allocation.excess == 0


def test_policy_picks_strategy_by_loan_state():
    policy = WaterfallPolicy()
    assert policy.strategy_for(LoanState.STANDARD) is PENALTIES_FEES_INTEREST_PRINCIPAL
    assert policy.strategy_for(LoanState.NPA) is PRINCIPAL_FIRST
    assert policy.strategy_for("written_off") is PRINCIPAL_FIRST


def test_negative_payment_is_refused():
    with pytest.raises(ValueError):
        allocate(DUES, Decimal(-1), AS_OF, RBI_OVERDUE_DUE)
