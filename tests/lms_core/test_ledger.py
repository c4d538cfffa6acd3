"""The double-entry ledger on the real database: balanced, append-only, reversible, as-of."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lms_core.ledger import (
    Journal,
    OwnerKind,
    UnbalancedJournalError,
    credit,
    debit,
    validate,
)
from lms_core.money import Currency, D
from lms_core.persistence.ledger import ledger_repository as repo
from lms_core.persistence.platform import tenant_repository

JAN1, JAN2, JAN3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)


def disbursement(
    day: date, amount: str, loan_id: int = 1, owner: str = "OWN", ref: str | None = None
) -> Journal:
    return Journal(
        kind="disbursement",
        business_date=day,
        loan_id=loan_id,
        external_ref=ref,
        postings=(
            debit("LOAN_PRINCIPAL", D(amount), owner=owner),
            credit("OPERATING_BANK", D(amount), owner=owner),
        ),
    )


def test_unbalanced_journal_is_refused_showing_the_imbalance():
    journal = Journal(
        kind="manual",
        business_date=JAN1,
        postings=(debit("LOAN_PRINCIPAL", D("100.00")), credit("OPERATING_BANK", D("99.99"))),
    )
    problems = validate(journal)
    assert [p.message for p in problems] == ["unbalanced in INR: debits exceed credits by 0.01"]


def test_balance_is_checked_per_currency():
    journal = Journal(
        kind="fx",
        business_date=JAN1,
        postings=(
            debit("OPERATING_BANK", D("100"), currency=Currency.USD),
            credit("OPERATING_BANK", D("100"), currency=Currency.INR),
        ),
    )
    messages = sorted(p.message for p in validate(journal))
    assert messages == [
        "unbalanced in INR: debits exceed credits by -100",
        "unbalanced in USD: debits exceed credits by 100",
    ]


def test_sub_paisa_amounts_are_refused():
    journal = Journal(
        kind="manual",
        business_date=JAN1,
        postings=(debit("A", D("0.005")), credit("B", D("0.005"))),
    )
    assert any("finer than a paisa" in p.message for p in validate(journal))


def test_posting_an_unbalanced_journal_raises_and_writes_nothing(db, tenant):
    journal = Journal(
        kind="manual",
        business_date=JAN1,
        postings=(debit("LOAN_PRINCIPAL", D("10")), credit("OPERATING_BANK", D("9"))),
    )
    with pytest.raises(UnbalancedJournalError, match="debits exceed credits by 1"):
        repo.post(db, tenant.id, journal)
    assert (
        db.execute(
            text("select count(*) from journal_entry where tenant_id = :t"), {"t": tenant.id}
        ).scalar()
        == 0
    )


def test_balances_by_account_owner_loan_as_of_any_date(db, tenant):
    repo.ensure_owner(db, tenant.id, "BANK_A", OwnerKind.CO_LENDER, "Partner Bank A")
    repo.post(db, tenant.id, disbursement(JAN1, "80000.00", owner="BANK_A"))
    repo.post(db, tenant.id, disbursement(JAN1, "20000.00"))
    repo.post(db, tenant.id, disbursement(JAN2, "50000.00", loan_id=2))
    as_of_jan1 = repo.balances(db, tenant.id, JAN1, by=("account", "owner"))
    assert {(r.account, r.owner): r.balance for r in as_of_jan1} == {
        ("LOAN_PRINCIPAL", "BANK_A"): Decimal("80000.00"),
        ("LOAN_PRINCIPAL", "OWN"): Decimal("20000.00"),
        ("OPERATING_BANK", "BANK_A"): Decimal("-80000.00"),
        ("OPERATING_BANK", "OWN"): Decimal("-20000.00"),
    }
    by_loan = repo.balances(db, tenant.id, JAN3, by=("loan",), accounts=["LOAN_PRINCIPAL"])
    assert {r.loan_id: r.balance for r in by_loan} == {
        1: Decimal("100000.00"),
        2: Decimal("50000.00"),
    }
    assert repo.balance_of(db, tenant.id, "LOAN_PRINCIPAL", JAN3, owner="BANK_A") == Decimal(
        "80000.00"
    )


def test_reversal_negates_and_can_happen_only_once(db, tenant):
    posted = repo.post(db, tenant.id, disbursement(JAN1, "1000.00"))
    reversal_id = repo.reverse(db, tenant.id, posted.journal_id, JAN2, "keyed twice")
    assert repo.balance_of(db, tenant.id, "LOAN_PRINCIPAL", JAN1) == Decimal("1000.00")
    assert repo.balance_of(db, tenant.id, "LOAN_PRINCIPAL", JAN2) == Decimal("0")
    reversed_journal = repo.load(db, tenant.id, reversal_id)
    assert reversed_journal.reverses == posted.journal_id
    assert [p.amount for p in reversed_journal.postings] == [
        Decimal("-1000.00"),
        Decimal("1000.00"),
    ]
    with pytest.raises(repo.AlreadyReversedError):
        repo.reverse(db, tenant.id, posted.journal_id, JAN2, "again")


def test_external_ref_makes_posting_idempotent(db, tenant):
    first = repo.post(db, tenant.id, disbursement(JAN1, "500.00", ref="UTR123"))
    again = repo.post(db, tenant.id, disbursement(JAN1, "500.00", ref="UTR123"))
    assert first.created and not again.created and again.journal_id == first.journal_id
    assert repo.balance_of(db, tenant.id, "LOAN_PRINCIPAL", JAN1) == Decimal("500.00")


def test_unknown_account_is_refused(db, tenant):
    journal = Journal(
        kind="manual",
        business_date=JAN1,
        postings=(debit("NO_SUCH", D("1")), credit("OPERATING_BANK", D("1"))),
    )
    with pytest.raises(repo.LedgerLookupError, match="unknown account 'NO_SUCH'"):
        repo.post(db, tenant.id, journal)


@pytest.mark.parametrize(
    "statement",
    [
        "update ledger_posting set amount = amount + 1 where journal_id = :j",
        "delete from ledger_posting where journal_id = :j",
        "update journal_entry set description = 'edited' where id = :j",
        "delete from journal_entry where id = :j",
    ],
)
def test_database_refuses_to_change_the_ledger(db, tenant, statement):
    posted = repo.post(db, tenant.id, disbursement(JAN1, "10.00"))
    db.flush()
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement), {"j": posted.journal_id})


def test_verify_finds_nothing_on_a_sound_ledger_and_flags_an_unbalanced_one(db, tenant):
    repo.post(db, tenant.id, disbursement(JAN1, "10.00"))
    assert repo.verify(db) == []
    # Write around the service to simulate corruption: a lone posting in a new journal.
    jid = db.execute(
        text(
            "insert into journal_entry (tenant_id, kind, business_date, description, created_by) "
            "values (:t, 'corrupt', :d, '', 'test') returning id"
        ),
        {"t": tenant.id, "d": JAN1},
    ).scalar()
    acc = db.execute(
        text("select id from ledger_account where tenant_id=:t and code='OPERATING_BANK'"),
        {"t": tenant.id},
    ).scalar()
    own = repo.own_book_owner_id(db, tenant.id)
    db.execute(
        text(
            "insert into ledger_posting (tenant_id, journal_id, account_id, owner_id,"
            " currency, amount, business_date) values (:t, :j, :a, :o, 'INR', 5, :d)"
        ),
        {"t": tenant.id, "j": jid, "a": acc, "o": own, "d": JAN1},
    )
    violations = repo.verify(db)
    assert any(v.startswith("unbalanced journal") and f"({jid}," in v for v in violations)


def test_business_date_moves_only_from_the_expected_value(db, tenant):
    assert tenant_repository.business_date(db, tenant.id) == JAN1
    tenant_repository.set_business_date(db, tenant.id, JAN1, JAN2)
    assert tenant_repository.business_date(db, tenant.id) == JAN2
    with pytest.raises(RuntimeError, match="no longer 2024-01-01"):
        tenant_repository.set_business_date(db, tenant.id, JAN1, JAN3)
