"""A small reconciliation book with breaks of every kind, written straight to the tables.

The business date of :func:`tests.support.factories.make_tenant` is 2024-01-01. The breaks:

======  ========  ======  ===========  ==================  =========  ================
name    side      dir     amount       reason              opened_on  item
======  ========  ======  ===========  ==================  =========  ================
stray   actual    credit  32,300.00    unknown_reference   12-27      NEFT from R K TRADERS
short   actual    credit     595.00    amount_not_equal    12-31      paid for NACH9 (1,009)
due     expected  credit   1,009.00    amount_not_equal    12-31      NACH9 presentation
dup     actual    credit   1,001.00    duplicate           01-01      second booking of a UTR
payout  actual    debit   25,000.00    no_matching_payment 11-22      money out, 40 days old
======  ========  ======  ===========  ==================  =========  ================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.recon.expected import record_expected
from lms_core.persistence.platform.models import Tenant
from lms_core.persistence.recon import run_repository as repository
from lms_core.persistence.recon.models import ReconActualItem, ReconBreak

TODAY = date(2024, 1, 1)


@dataclass
class Book:
    account_id: int
    breaks: dict[str, ReconBreak]
    actual: dict[str, ReconActualItem]
    expected_id: int


def _actual(db: Session, tenant: Tenant, account_id: int, key: str, **values) -> ReconActualItem:
    row = ReconActualItem(
        tenant_id=tenant.id, account_id=account_id, kind="mt940", line_key=key, **values
    )
    db.add(row)
    db.flush()
    return row


def _break(db: Session, tenant: Tenant, reason: str, opened: date, *, actual=None, expected=None):
    item = actual or expected
    row = ReconBreak(
        tenant_id=tenant.id,
        side="actual" if actual is not None else "expected",
        actual_item_id=actual.id if actual is not None else None,
        expected_item_id=expected.id if expected is not None else None,
        reason=reason,
        detail=f"test break ({reason})",
        amount=item.amount,
        direction=item.direction,
        opened_on=opened,
    )
    db.add(row)
    db.flush()
    return row


def make_book(db: Session, tenant: Tenant, tag: str = "") -> Book:
    """Write the table above for ``tenant`` and return its rows; ``tag`` keeps line keys
    and references unique when one database serves several tests (the live server)."""
    account = repository.account_by_no(db, tenant.id, "50200012345678") or (
        repository.add_account(db, tenant.id, "50200012345678", "HDFC", "Escrow", "INR")
    )
    day = lambda n: TODAY - timedelta(days=n)  # noqa: E731
    stray = _actual(
        db, tenant, account.id, f"s:1{tag}", direction="credit", amount=Decimal("32300.00"),
        value_date=day(5), utr="HDFCN23361900100", narration="NEFT CR-HDFCN23361900100-R K TRADERS",
        counterparty="R K TRADERS",
    )  # fmt: skip
    short = _actual(
        db, tenant, account.id, f"s:2{tag}", direction="credit", amount=Decimal("595.00"),
        value_date=day(1), utr="ICICN23365000009", our_ref=f"NACH9{tag}", counterparty="Meera Iyer",
        narration=f"NEFT CR-ICICN23365000009-Meera Iyer-NACH9{tag}",
    )  # fmt: skip
    dup = _actual(
        db, tenant, account.id, f"s:3{tag}", direction="credit", amount=Decimal("1001.00"),
        value_date=TODAY, utr="ICICN24001000001", our_ref=f"NACH1{tag}", counterparty="Diya Nair",
    )  # fmt: skip
    payout = _actual(
        db, tenant, account.id, f"s:4{tag}", direction="debit", amount=Decimal("25000.00"),
        value_date=day(40), utr="HDFCN23326000077", narration="NEFT DR-HDFCN23326000077",
    )  # fmt: skip
    due = record_expected(
        db, tenant.id, source="nach", reference=f"NACH9{tag}", amount=Decimal("1009.00"),
        direction="credit", expected_on=day(1), account="50200012345678",
        counterparty="Meera Iyer",
    )  # fmt: skip
    breaks = {
        "stray": _break(db, tenant, "unknown_reference", day(5), actual=stray),
        "short": _break(db, tenant, "amount_not_equal", day(1), actual=short),
        "due": _break(db, tenant, "amount_not_equal", day(1), expected=due),
        "dup": _break(db, tenant, "duplicate", TODAY, actual=dup),
        "payout": _break(db, tenant, "no_matching_payment", day(40), actual=payout),
    }
    actual = {"stray": stray, "short": short, "dup": dup, "payout": payout}
    return Book(account.id, breaks, actual, due.id)
