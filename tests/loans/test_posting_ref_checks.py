"""The statement-level reference checks of migration s0009 keep the foreign keys' promises.

``loan_due``, ``repayment``, ``repayment_allocation`` and ``journal_entry`` lost their
row-by-row keys for one trigger per statement: a row naming a missing row (or one of
another tenant, or a due of another loan) is refused with the table's name; a row that
others refer to cannot be deleted or renumbered; references never change after insert.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.support.factories import make_tenant
from tests.support.loans import make_loan, make_product

DAY = date(2024, 2, 1)
DUE = (
    "insert into loan_due (loan_id, kind, installment, component, due_date, amount, paid,"
    " waived) values (:loan, 'installment', 99, :component, :d, 10, 0, 0) returning id"
)
REPAYMENT = (
    "insert into repayment (tenant_id, branch_id, loan_id, amount, currency, channel,"
    " value_date, business_date, status, excess) values"
    " (:t, :b, :loan, 10, 'INR', 'NACH', :d, :d, 'posted', 0) returning id"
)
ALLOCATION = (
    "insert into repayment_allocation (repayment_id, due_id, value_date, amount)"
    " values (:r, :due, :d, 10)"
)
JOURNAL = (
    "insert into journal_entry (tenant_id, branch_id, kind, business_date, description,"
    " reverses_id, created_by) values (:t, :b, 'test', :d, '', :rev, 'test') returning id"
)


def _one(db, sql: str, **params) -> int:
    return db.execute(text(sql), {"d": DAY, **params}).scalar_one()


def _branch(db, tenant_id: int) -> int:
    return _one(
        db,
        "insert into branch (tenant_id, code, name) values (:t, 'BR' || :t, 'Branch') returning id",
        t=tenant_id,
    )


@pytest.fixture
def world(db):
    """Two tenants, each with a loan, a branch, a due and a repayment allocated to it."""
    rows = []
    for _ in range(2):
        tenant = make_tenant(db)
        make_product(db, tenant)
        loan = make_loan(db, tenant).id
        branch = _branch(db, tenant.id)
        due = _one(db, DUE, loan=loan, component="principal")
        rep = _one(db, REPAYMENT, t=tenant.id, b=branch, loan=loan)
        db.execute(text(ALLOCATION), {"r": rep, "due": due, "d": DAY})
        rows.append({"t": tenant.id, "loan": loan, "b": branch, "due": due, "r": rep})
    return rows


def _refused(db, sql: str, match: str, **params) -> None:
    with pytest.raises(DBAPIError, match=match), db.begin_nested():
        db.execute(text(sql), {"d": DAY, **params})


def test_a_due_needs_its_loan(db, world):
    _refused(db, DUE, "loan_due: loan -1 does not exist", loan=-1, component="interest")
    _one(db, DUE, loan=world[0]["loan"], component="interest")


@pytest.mark.parametrize(
    "change", [{"loan": -1}, {"loan": "other"}, {"b": -1}, {"b": "other"}, {"t": -1}]
)
def test_a_repayment_needs_its_loan_and_branch_in_its_tenant(db, world, change):
    mine, theirs = world
    ((key, value),) = change.items()
    row = {**mine, key: theirs[key] if value == "other" else value}
    _refused(db, REPAYMENT, "repayment: loan .* not in the tenant", **row)
    _one(db, REPAYMENT, **{**mine, "b": None})


@pytest.mark.parametrize("change", [{"r": -1}, {"due": -1}, {"due": "other"}])
def test_an_allocation_needs_a_repayment_and_a_due_of_the_same_loan(db, world, change):
    mine, theirs = world
    ((key, value),) = change.items()
    row = {**mine, key: theirs[key] if value == "other" else value}
    _refused(db, ALLOCATION, "repayment_allocation: repayment", **row)


@pytest.mark.parametrize("change", [{"t": -1}, {"b": "other"}, {"rev": "other"}, {"rev": -1}])
def test_a_journal_needs_its_tenant_branch_and_reversed_journal_in_its_tenant(db, world, change):
    mine, theirs = world
    for row in world:
        row["rev"] = _one(db, JOURNAL, t=row["t"], b=None, rev=None)
    ((key, value),) = change.items()
    row = {**mine, key: theirs[key] if value == "other" else value}
    _refused(db, JOURNAL, "journal_entry .* not in the tenant", **row)
    _one(db, JOURNAL, **mine)  # its own tenant's branch and journal are fine


@pytest.mark.parametrize(
    "table,key,used",
    [
        ("loan", "loan", "loan_due"),
        ("loan_due", "due", "repayment_allocation"),
        ("repayment", "r", "repayment_allocation"),
        ("branch", "b", "repayment"),
    ],
)
def test_a_referenced_row_cannot_be_deleted_or_renumbered(db, world, table, key, used):
    row_id = world[0][key]
    refused = f"{table} {row_id} is referenced from {used}"
    _refused(db, f"delete from {table} where id = :id", f"{refused}: delete refused", id=row_id)
    _refused(db, f"update {table} set id = -id where id = :id", "update refused", id=row_id)


def test_a_loan_with_only_repayments_and_a_tenant_with_journals_stay(db, world):
    mine = world[0]
    db.execute(text("delete from repayment_allocation where repayment_id = :r"), mine)
    db.execute(text("delete from loan_due where id = :due"), mine)  # unused now: goes
    _refused(db, "delete from loan where id = :loan", "referenced from repayment", **mine)
    tenant = make_tenant(db)
    _one(db, JOURNAL, t=tenant.id, b=None, rev=None)
    _refused(db, "delete from tenant where id = :t", "referenced from journal_entry", t=tenant.id)


@pytest.mark.parametrize(
    "table,column,key",
    [
        ("loan_due", "loan_id", "due"),
        ("repayment", "loan_id", "r"),
        ("repayment", "branch_id", "r"),
    ],
)
def test_references_do_not_change_after_insert(db, world, table, column, key):
    mine, theirs = world
    _refused(
        db,
        f"update {table} set {column} = :other where id = :id",
        f"{table}: the references of row .* cannot change",
        other=theirs["loan" if column == "loan_id" else "b"],
        id=mine[key],
    )
    db.execute(text(f"update {table} set {column} = {column} where id = :id"), {"id": mine[key]})
