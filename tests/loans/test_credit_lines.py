"""A revolving line walked through January on the real database, with the ledger.

Line: limit 1,00,000, 18 % a year ACT/365F, billing day 1, opened 1 Jan 2024.
1 Jan draw 40,000; 11 Jan repay 10,000 (no interest billed yet: all principal);
day-ends to 31 Jan bill January's interest on 1 Feb:
  (40,000 x 10 days + 30,000 x 21 days) x 18 % / 365 = 185,400 / 365 = 507.9452 -> 507.95
1 Feb repay 1,000: 507.95 interest first, 492.05 principal -> drawn 29,507.95.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from hub.loans import credit_lines
from hub.loans.credit_lines import LineIn
from hub.platform.errors import Conflict, Unprocessable
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import credit_line_repository
from lms_core.persistence.platform import tenant_repository

JAN1 = date(2024, 1, 1)


def _line(db, tenant):
    body = LineIn(
        "CL-0001", Decimal("100000"), Decimal("18"), JAN1, date(2024, 12, 31), billing_day=1
    )
    return credit_lines.open_line(db, tenant.id, body, "test")


def _close_through(db, tenant, last: date) -> None:
    day = tenant_repository.business_date(db, tenant.id)
    while day <= last:
        credit_lines.close_lines_day(db, tenant.id, day)
        tenant_repository.set_business_date(db, tenant.id, day, day + timedelta(days=1))
        day += timedelta(days=1)


def _gl(db, tenant, account: str) -> Decimal:
    return ledger_repository.balance_of(db, tenant.id, account, date(2099, 1, 1))


def _view(db, line) -> dict:
    return credit_lines.utilisation(db, line)


def test_a_month_of_a_line(db, tenant):
    line = _line(db, tenant)
    credit_lines.draw(db, tenant.id, line.id, Decimal("40000"), "test")
    view = _view(db, line)
    assert (view["drawn"], view["available"], view["utilisation_percent"]) == (
        "40000.00",
        "60000.00",
        "40.00",
    )
    _close_through(db, tenant, date(2024, 1, 10))
    rep = credit_lines.repay(db, tenant.id, line.id, Decimal("10000"), "test")
    assert (rep.principal, rep.interest, rep.drawn_after) == (
        Decimal("10000"),
        Decimal("0"),
        Decimal("30000"),
    )
    with pytest.raises(Unprocessable) as refused:
        credit_lines.draw(db, tenant.id, line.id, Decimal("70000.01"), "test")
    assert refused.value.problems[0].message == (
        "70000.01 exceeds the available limit 70000.00 (limit 100000.00, drawn 30000.00)"
    )
    _close_through(db, tenant, date(2024, 1, 31))

    # 1 Jan: 40,000 x 0.18 / 365 = 19.7260... -> 19.73 posted on the first day
    days = credit_line_repository.accruals(db, line.id, JAN1, date(2024, 1, 31))
    assert len(days) == 31 and days[0].amount == Decimal("19.73")
    assert sum(d.amount for d in days) == Decimal("507.95")
    (due,) = credit_line_repository.dues(db, line.id)
    assert (due.due_date, due.period_start, due.amount) == (
        date(2024, 2, 1),
        JAN1,
        Decimal("507.95"),
    )
    assert _view(db, line)["interest_due"] == "507.95"

    pay = credit_lines.repay(db, tenant.id, line.id, Decimal("1000"), "test", external_ref="R-1")
    assert (pay.interest, pay.principal) == (Decimal("507.95"), Decimal("492.05"))
    view = _view(db, line)
    # 29,507.95 / 1,00,000 = 29.50795 % -> 29.51
    assert (
        view["drawn"],
        view["available"],
        view["utilisation_percent"],
        view["interest_due"],
    ) == (
        "29507.95",
        "70492.05",
        "29.51",
        "0.00",
    )
    # ledger: principal 40,000 - 10,000 - 492.05; income 507.95; bank out 40,000, in 11,000
    assert _gl(db, tenant, "LOAN_PRINCIPAL") == Decimal("29507.95")
    assert _gl(db, tenant, "INTEREST_INCOME") == Decimal("-507.95")
    assert _gl(db, tenant, "INTEREST_RECEIVABLE") == Decimal("0")
    assert _gl(db, tenant, "INTEREST_DUE") == Decimal("0")
    assert _gl(db, tenant, "ESCROW_BANK") == Decimal("-29000")
    assert ledger_repository.verify(db) == []


def test_statement_of_january(db, tenant):
    line = _line(db, tenant)
    credit_lines.draw(db, tenant.id, line.id, Decimal("40000"), "test")
    _close_through(db, tenant, date(2024, 1, 10))
    credit_lines.repay(db, tenant.id, line.id, Decimal("10000"), "test")
    _close_through(db, tenant, date(2024, 1, 31))
    st = credit_lines.statement(db, line, JAN1, date(2024, 1, 31))
    assert [(t["date"], t["kind"], t["amount"], t["drawn_after"]) for t in st["transactions"]] == [
        (JAN1, "drawdown", "40000.00", "40000.00"),
        (date(2024, 1, 11), "repayment", "10000.00", "30000.00"),
        (date(2024, 1, 31), "interest_billed", "507.95", "30000.00"),
    ]
    assert (st["opening_drawn"], st["closing_drawn"], st["interest_accrued"]) == (
        "0.00",
        "30000.00",
        "507.95",
    )
    assert st["daily_balances"][10] == {"day": date(2024, 1, 11), "balance": "30000.00"}


def test_day_end_is_idempotent_and_catches_up(db, tenant):
    line = _line(db, tenant)
    credit_lines.draw(db, tenant.id, line.id, Decimal("36500"), "test")
    # 36,500 x 18 % / 365 = 18.00 a day; three days closed in one call (catch-up)
    assert credit_lines.close_lines_day(db, tenant.id, date(2024, 1, 3)) == 1
    assert credit_lines.close_lines_day(db, tenant.id, date(2024, 1, 3)) == 0
    assert line.period_posted == Decimal("54.00")
    assert _gl(db, tenant, "INTEREST_RECEIVABLE") == Decimal("54.00")


def test_references_make_line_transactions_idempotent(db, tenant):
    line = _line(db, tenant)
    first = credit_lines.draw(db, tenant.id, line.id, Decimal("500"), "t", external_ref="D-1")
    again = credit_lines.draw(db, tenant.id, line.id, Decimal("500"), "t", external_ref="D-1")
    assert again.id == first.id and line.drawn == Decimal("500")
    with pytest.raises(Conflict):
        credit_lines.draw(db, tenant.id, line.id, Decimal("600"), "t", external_ref="D-1")


def test_bad_terms_and_overpayment_are_refused(db, tenant):
    body = LineIn("CL-X", Decimal("0"), Decimal("18"), JAN1, JAN1, billing_day=32)
    with pytest.raises(Unprocessable) as refused:
        credit_lines.open_line(db, tenant.id, body, "t")
    assert [p.field for p in refused.value.problems] == ["limit", "billing_day", "valid_until"]
    line = _line(db, tenant)
    credit_lines.draw(db, tenant.id, line.id, Decimal("100"), "t")
    with pytest.raises(Unprocessable) as over:
        credit_lines.repay(db, tenant.id, line.id, Decimal("100.01"), "t")
    assert over.value.problems[0].message == "100.01 exceeds what the line owes, 100.00"


def test_end_of_day_run_accrues_the_lines(db, tenant):
    """run_eod closes the lines with the loans: 36,500 x 18 % / 365 = 18.00 for 1 Jan."""
    from sqlalchemy.orm import sessionmaker

    from hub.platform.eod.runner import run_eod

    line = _line(db, tenant)
    credit_lines.draw(db, tenant.id, line.id, Decimal("36500"), "test")
    db.flush()
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    assert run_eod(factory, tenant.id).next_date == date(2024, 1, 2)
    db.expire_all()
    assert _gl(db, tenant, "INTEREST_RECEIVABLE") == Decimal("18.00")
    assert credit_line_repository.get_line(db, tenant.id, line.id).accrued_through == JAN1
