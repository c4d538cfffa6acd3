"""The checks that replace per-row work on the day-end's write path still catch faults.

* ``ledger_posting`` references are checked per statement (migration s0008): a posting
  whose journal, account or owner is missing or in another tenant is refused, and an
  account or owner with postings cannot be deleted.
* A partition's journal is summed per currency once written: an unbalanced one raises.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lms_core.ledger import Journal, UnbalancedJournalError, credit, debit
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import eod_bulk_repository
from tests.support.factories import make_tenant

DAY = date(2024, 1, 2)
INSERT = (
    "insert into ledger_posting (tenant_id, journal_id, account_id, owner_id, currency,"
    " amount, business_date) values (:t, :j, :a, :o, 'INR', 5, :d)"
)


def _refs(db, tenant) -> dict[str, int]:
    journal = db.execute(
        text(
            "insert into journal_entry (tenant_id, kind, business_date, description,"
            " created_by) values (:t, 'test', :d, '', 'test') returning id"
        ),
        {"t": tenant.id, "d": DAY},
    ).scalar()
    account = db.execute(
        text("select id from ledger_account where tenant_id = :t and code = 'OPERATING_BANK'"),
        {"t": tenant.id},
    ).scalar()
    return {
        "t": tenant.id,
        "j": journal,
        "a": account,
        "o": ledger_repository.own_book_owner_id(db, tenant.id),
        "d": DAY,
    }


@pytest.mark.parametrize(
    "change",
    [{"j": -1}, {"a": -1}, {"o": -1}, {"j": "other"}, {"a": "other"}, {"o": "other"}],
    ids=["no journal", "no account", "no owner", "journal", "account", "owner"],
)
def test_a_posting_must_refer_to_its_own_tenants_rows(db, change):
    mine, theirs = _refs(db, make_tenant(db)), _refs(db, make_tenant(db))
    ((key, value),) = change.items()
    row = {**mine, key: theirs[key] if value == "other" else value}
    with pytest.raises(DBAPIError, match="not in the tenant"), db.begin_nested():
        db.execute(text(INSERT), row)
    db.execute(text(INSERT), mine)  # the same row with its own tenant's references is fine


@pytest.mark.parametrize("table,key", [("ledger_account", "a"), ("exposure_owner", "o")])
def test_an_account_or_owner_with_postings_cannot_be_deleted(db, table, key):
    refs = _refs(db, make_tenant(db))
    db.execute(text(INSERT), refs)
    with pytest.raises(DBAPIError, match="has postings: delete refused"), db.begin_nested():
        db.execute(text(f"delete from {table} where id = :id"), {"id": refs[key]})


def test_a_partition_journal_that_does_not_balance_is_refused(db):
    """The quiet accruals are pairs (balanced by construction); the sum after the COPY
    is what catches a fault. Here the check runs on a journal made unbalanced by a
    lone 5.00 written around the repository."""
    tenant = make_tenant(db)
    loan = 7
    journal = Journal(
        "eod",
        DAY,
        (
            debit("FEES_RECEIVABLE", Decimal("10.00"), loan_id=loan),
            credit("FEE_INCOME", Decimal("10.00"), loan_id=loan),
        ),
        external_ref="eod:test",
    )
    accruals = [(loan, "INR", Decimal("1.23")), (loan + 1, "INR", Decimal("0.07"))]
    jid = eod_bulk_repository.copy_journal(db, tenant.id, journal, "test", accruals)
    rows = db.execute(
        text(
            "select a.code, p.loan_id, p.amount from ledger_posting p"
            " join ledger_account a on a.id = p.account_id where p.journal_id = :j order by p.id"
        ),
        {"j": jid},
    ).all()
    assert [tuple(r) for r in rows] == [
        ("FEES_RECEIVABLE", 7, Decimal("10.00")),
        ("FEE_INCOME", 7, Decimal("-10.00")),
        ("INTEREST_RECEIVABLE", 7, Decimal("1.23")),
        ("INTEREST_INCOME", 7, Decimal("-1.23")),
        ("INTEREST_RECEIVABLE", 8, Decimal("0.07")),
        ("INTEREST_INCOME", 8, Decimal("-0.07")),
    ]
    db.execute(text(INSERT), {**_refs(db, tenant), "j": jid})
    with pytest.raises(UnbalancedJournalError, match=r"INR: debits exceed credits by 5\.00"):
        eod_bulk_repository.require_balanced(db, jid)
