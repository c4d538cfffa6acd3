"""Matched receipts reach servicing once, whichever side saw the collection first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.loans.booking import confirm_payout
from hub.loans.repayments import Channel, RepaymentIn, post_repayment
from hub.platform.errors import Conflict
from hub.recon.desk_match import manual_match, unmatch
from hub.recon.run import run_reconciliation
from lms_core.persistence.loans.models import Repayment
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon.models import ReconExpectedItem, ReconMatchGroup
from tests.recon.helpers import add_line, expect, make_account
from tests.support.factories import make_tenant, make_user, principal_of
from tests.support.loans import make_loan, make_product

DAY = date(2024, 2, 5)


def _loan(db):
    tenant = make_tenant(db, business_date=date(2024, 1, 1))
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    tenant_repository.set_business_date(db, tenant.id, date(2024, 1, 1), DAY)
    return tenant, loan, make_account(db, tenant)


def _repayments(db, loan):
    return db.scalars(select(Repayment).where(Repayment.loan_id == loan.id)).all()


def test_a_matched_nach_credit_is_posted_once(db):
    tenant, loan, acc = _loan(db)
    # EMI of 1,00,000 at 12 % a year over 12 months: 8,884.88
    expect(db, tenant, "NACH-77", "8884.88", date(2024, 2, 1), source="nach",
           loan_id=loan.id, posting_ref="nach:NACH-77")  # fmt: skip
    add_line(db, tenant, acc, "8884.88", date(2024, 2, 2), our_ref="NACH-77")
    run = run_reconciliation(db, tenant.id)
    (rep,) = _repayments(db, loan)
    assert (rep.amount, rep.external_ref, rep.channel) == (
        Decimal("8884.88"), "nach:NACH-77", "nach"
    )  # fmt: skip
    assert rep.value_date == date(2024, 2, 2)
    assert run.summary["posting"] == {"posted": 1, "failed": 0}
    run_reconciliation(db, tenant.id)
    assert len(_repayments(db, loan)) == 1


def test_collection_already_posted_from_the_nach_response_is_not_posted_again(db):
    tenant, loan, acc = _loan(db)
    body = RepaymentIn(Decimal("8884.88"), channel=Channel.NACH, value_date=date(2024, 2, 1),
                       external_ref="nach:NACH-78")  # fmt: skip
    post_repayment(db, tenant.id, loan.id, body, "nach-response")
    expect(db, tenant, "NACH-78", "8884.88", date(2024, 2, 1), source="nach",
           loan_id=loan.id, posting_ref="nach:NACH-78")  # fmt: skip
    add_line(db, tenant, acc, "8884.88", date(2024, 2, 2), our_ref="NACH-78")
    run = run_reconciliation(db, tenant.id)
    assert len(_repayments(db, loan)) == 1
    group = db.scalars(select(ReconMatchGroup).where(ReconMatchGroup.run_id == run.id)).one()
    assert group.posting_status == "posted"


def test_payout_confirmation_records_an_expected_debit(db):
    tenant, loan, _ = _loan(db)
    confirm_payout(db, tenant.id, loan.id, "HDFCR52024010100000001", "ops")
    item = db.scalars(select(ReconExpectedItem).where(ReconExpectedItem.loan_id == loan.id)).one()
    assert (item.source, item.direction, item.utr, item.expected_on) == (
        "disbursement", "debit", "HDFCR52024010100000001", DAY
    )  # fmt: skip
    # no upfront fees deducted: the whole 1,00,000.00 principal leaves escrow
    assert item.amount == Decimal("100000.00")


def test_a_manual_match_posts_the_receipt_to_the_loan_once(db):
    tenant, loan, acc = _loan(db)
    # The borrower paid 8,884.88 by NEFT with a reference the rules could not tie (none).
    expected = expect(db, tenant, "RCPT-9", "8884.88", date(2024, 2, 1), source="manual",
                      loan_id=loan.id, posting_ref="manual:RCPT-9")  # fmt: skip
    line = add_line(db, tenant, acc, "8884.88", date(2024, 2, 4))
    who = principal_of(make_user(db, tenant, username="recon1"), tenant)

    group = manual_match(db, who, [line.id], [expected.id], note="confirmed with the borrower")

    (rep,) = _repayments(db, loan)
    assert (rep.amount, rep.external_ref, rep.value_date) == (
        Decimal("8884.88"), "manual:RCPT-9", date(2024, 2, 4)
    )  # fmt: skip
    db.refresh(group)
    assert group.posting_status == "posted"
    # a posted match cannot be undone from the desk: the repayment must be reversed first
    with pytest.raises(Conflict, match="reverse the repayment first"):
        unmatch(db, who, group.id)
