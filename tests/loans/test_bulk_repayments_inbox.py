"""A repayments CSV received into the inbox is applied through the bulk path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import sessionmaker

from hub.integration.inbox import service as inbox
from hub.integration.inbox.handlers import HandlerRegistry
from hub.integration.inbox.service import InboxWorker
from hub.loans import bulk_repayments_inbox
from lms_core.integration.enums import Channel
from lms_core.persistence.integration import counterpart_repository, inbox_repository
from lms_core.persistence.loans import loan_repository
from tests.support.loans import balance, close_days_through, make_loan, make_product

NOW = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
HEADER = "Loan Number,Amount,Value Date,Channel,Reference,Currency"


@pytest.fixture
def worker(db):
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    registry = HandlerRegistry()
    bulk_repayments_inbox.register(registry)
    return InboxWorker(factory, "w1", lambda: NOW, handlers=registry)


def _receive(db, tenant, feed, data: bytes, name: str):
    return inbox.receive(
        db,
        tenant_id=tenant.id,
        channel=Channel.FILE,
        source=feed.code,
        counterpart_id=feed.id,
        document_kind="repayments_csv",
        data=data,
        filename=name,
        now=NOW,
        enqueue=False,
    )


def test_a_repayments_file_through_the_inbox(db, tenant, worker):
    """100,000 at 12 % over 12 months: EMI 8,884.88 due 1 Feb (interest 1,000.00,
    principal 7,884.88). The file pays it on 1 Feb; one line has a bad amount, one names
    no loan we know. Principal left: 100,000 - 7,884.88 = 92,115.12."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    feed = counterpart_repository.create(
        db, tenant.id, "branch_cash", "repayments_file", "sftp_pickup", {}, None
    )
    data = "\n".join(
        (
            HEADER,
            f"{loan.loan_number},8884.88,01-02-2024,NACH,ACH0001,INR",
            f"{loan.loan_number},12x,01-02-2024,UPI,UPI0002,INR",
            "LN99999999999,100.00,01-02-2024,CASH,CASH0003,",
        )
    ).encode()
    got = _receive(db, tenant, feed, data, "repay_20240201.csv")
    assert worker.run_item(got.item_id) == "partial"
    item = inbox_repository.get(db, tenant.id, got.item_id)
    assert item.counts == {"applied": 1, "duplicate": 0, "quarantined": 2}
    reasons = {
        o.line: (o.field, o.reason) for o in inbox_repository.outcomes(db, tenant.id, got.item_id)
    }
    assert reasons[3][0] == "amount"
    assert reasons[4] == ("loan_number", "record 4: loan LN99999999999 not found")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("92115.12")
    (rep,) = loan_repository.repayments(db, loan.id)
    assert (rep.channel, rep.external_ref, rep.excess) == ("nach", "ACH0001", Decimal("0"))

    again = _receive(db, tenant, feed, data, "repay_20240201_resent.csv")
    assert worker.run_item(again.item_id) == "partial"
    item = inbox_repository.get(db, tenant.id, again.item_id)
    assert item.counts == {"applied": 0, "duplicate": 1, "quarantined": 2}
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("92115.12")
