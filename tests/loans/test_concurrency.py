"""Two payments to one loan at the same moment end serialised and correct (real commits)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import sessionmaker

from hub.loans.repayments import RepaymentIn, post_repayment
from hub.platform.db.engine import make_engine
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from tests.conftest import unique_db_name
from tests.support.db import drop_database, fresh_database
from tests.support.factories import make_tenant
from tests.support.loans import balance, close_days_through, make_loan, make_product


@pytest.fixture
def committed_db():
    name = unique_db_name("concurrency")
    engine = make_engine(fresh_database(name), 4)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
    drop_database(name)


def test_two_simultaneous_payments_serialise(committed_db):
    """Both 5000 payments on 1 Feb land: together 10000 settle installment 1 (8884.88:
    interest 1000, principal 7884.88) and 1115.12 is an advance, whatever the order."""
    with committed_db() as s:
        tenant = make_tenant(s)
        make_product(s, tenant)
        loan = make_loan(s, tenant)
        close_days_through(s, tenant, date(2024, 1, 31))
        s.commit()
        tenant_id, loan_id = tenant.id, loan.id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def pay(ref: str) -> None:
        try:
            with committed_db() as s:
                barrier.wait(timeout=10)
                post_repayment(
                    s, tenant_id, loan_id, RepaymentIn(Decimal("5000"), external_ref=ref), "test"
                )
                s.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(f"UTR{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with committed_db() as s:
        dues = {
            (d.component): (d.amount, d.paid)
            for d in loan_repository.due_rows(s, [loan_id])[loan_id]
        }
        assert dues["interest"] == (Decimal("1000.00"), Decimal("1000.00"))
        assert dues["principal"] == (Decimal("7884.88"), Decimal("7884.88"))
        tenant = type("T", (), {"id": tenant_id})
        assert balance(s, tenant, "BORROWER_ADVANCE", loan_id) == Decimal("-1115.12")
        assert balance(s, tenant, "ESCROW_BANK", loan_id) == Decimal("10000.00")
        assert ledger_repository.verify(s) == []
