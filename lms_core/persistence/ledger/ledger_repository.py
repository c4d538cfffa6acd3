"""All SQL of the ledger: chart of accounts, owners, posting journals, balances, checks.

Journals are validated by :func:`lms_core.ledger.require_valid` before anything is
written; the database itself refuses UPDATE / DELETE / TRUNCATE of postings and journals
(triggers in the first migration), so the only correction is a reversal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Row, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from lms_core.ledger import (
    OWN_BOOK,
    ChartOfAccounts,
    Journal,
    OwnerKind,
    Posting,
    require_valid,
    reversal,
)
from lms_core.money import Currency
from lms_core.persistence.platform.models import (
    ExposureOwner,
    JournalEntry,
    LedgerAccount,
    LedgerPosting,
)


class LedgerLookupError(LookupError):
    """An account, owner or journal named in a request does not exist for the tenant."""


class AlreadyReversedError(ValueError):
    """The journal has been reversed already (or is itself a reversal being reversed twice)."""


@dataclass(frozen=True, slots=True)
class PostResult:
    journal_id: int
    created: bool  # False when a journal with the same external_ref existed already


def ensure_chart(session: Session, tenant_id: int, chart: ChartOfAccounts) -> None:
    """Create the chart's accounts for ``tenant_id``; existing codes are left alone."""
    rows = [
        {"tenant_id": tenant_id, "code": e.code, "name": e.name, "type": str(e.type)}
        for e in chart.entries
    ]
    stmt = pg_insert(LedgerAccount).values(rows).on_conflict_do_nothing()
    session.execute(stmt)
    _cache(session).pop(("accounts", tenant_id), None)


def ensure_owner(session: Session, tenant_id: int, code: str, kind: OwnerKind, name: str) -> int:
    """Return the id of owner ``code``, creating it if needed."""
    stmt = (
        pg_insert(ExposureOwner)
        .values(tenant_id=tenant_id, code=code, kind=str(kind), name=name)
        .on_conflict_do_nothing()
    )
    session.execute(stmt)
    _cache(session).pop(("owners", tenant_id), None)
    return _owner_ids(session, tenant_id)[code]


def _cache(session: Session) -> dict:
    return session.info.setdefault("ledger_cache", {})


def _account_ids(session: Session, tenant_id: int) -> dict[str, int]:
    key = ("accounts", tenant_id)
    cache = _cache(session)
    if key not in cache:
        rows = session.execute(
            select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.tenant_id == tenant_id)
        )
        cache[key] = {code: id_ for code, id_ in rows}
    return cache[key]


def _owner_ids(session: Session, tenant_id: int) -> dict[str, int]:
    key = ("owners", tenant_id)
    cache = _cache(session)
    if key not in cache:
        rows = session.execute(
            select(ExposureOwner.code, ExposureOwner.id).where(ExposureOwner.tenant_id == tenant_id)
        )
        cache[key] = {code: id_ for code, id_ in rows}
    return cache[key]


def _resolve(ids: dict[str, int], code: str, what: str) -> int:
    try:
        return ids[code]
    except KeyError:
        raise LedgerLookupError(f"unknown {what} {code!r}") from None


def post(
    session: Session, tenant_id: int, journal: Journal, created_by: str = "system"
) -> PostResult:
    """Validate and store ``journal``; return its id.

    A journal with an ``external_ref`` already posted for the tenant is not posted again:
    the existing id comes back with ``created=False`` (idempotent re-application).
    Raises UnbalancedJournalError (with every problem) or LedgerLookupError.
    """
    require_valid(journal)
    accounts = _account_ids(session, tenant_id)
    owners = _owner_ids(session, tenant_id)
    resolved = [
        (_resolve(accounts, p.account, "account"), _resolve(owners, p.owner, "owner"), p)
        for p in journal.postings
    ]
    journal_id = _insert_journal(session, tenant_id, journal, created_by)
    if journal_id is None:
        existing = session.scalar(
            select(JournalEntry.id).where(
                JournalEntry.tenant_id == tenant_id,
                JournalEntry.external_ref == journal.external_ref,
            )
        )
        return PostResult(existing, created=False)
    session.execute(
        insert(LedgerPosting),
        [
            {
                "tenant_id": tenant_id,
                "journal_id": journal_id,
                "account_id": account_id,
                "owner_id": owner_id,
                "loan_id": p.loan_id if p.loan_id is not None else journal.loan_id,
                "currency": str(p.currency),
                "amount": p.amount,
                "business_date": journal.business_date,
            }
            for account_id, owner_id, p in resolved
        ],
    )
    return PostResult(journal_id, created=True)


def _insert_journal(
    session: Session, tenant_id: int, journal: Journal, created_by: str
) -> int | None:
    stmt = (
        pg_insert(JournalEntry)
        .values(
            tenant_id=tenant_id,
            branch_id=journal.branch_id,
            kind=journal.kind,
            business_date=journal.business_date,
            value_date=journal.value_date,
            description=journal.description[:500],
            loan_id=journal.loan_id,
            external_ref=journal.external_ref,
            reverses_id=journal.reverses,
            created_by=created_by,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "external_ref"])
        .returning(JournalEntry.id)
    )
    return session.scalar(stmt)


def load(session: Session, tenant_id: int, journal_id: int) -> Journal:
    """Return the stored journal ``journal_id`` as a value; raises LedgerLookupError."""
    entry = session.get(JournalEntry, journal_id)
    if entry is None or entry.tenant_id != tenant_id:
        raise LedgerLookupError(f"journal {journal_id} not found")
    rows = session.execute(
        select(LedgerAccount.code, ExposureOwner.code, LedgerPosting)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(ExposureOwner, ExposureOwner.id == LedgerPosting.owner_id)
        .where(LedgerPosting.journal_id == journal_id)
        .order_by(LedgerPosting.id)
    ).all()
    postings = tuple(
        Posting(acc, p.amount, Currency(p.currency), owner, p.loan_id) for acc, owner, p in rows
    )
    return Journal(
        kind=entry.kind,
        business_date=entry.business_date,
        postings=postings,
        value_date=entry.value_date,
        description=entry.description,
        loan_id=entry.loan_id,
        external_ref=entry.external_ref,
        reverses=entry.reverses_id,
        branch_id=entry.branch_id,
    )


def reverse(
    session: Session,
    tenant_id: int,
    journal_id: int,
    business_date: date,
    reason: str,
    created_by: str = "system",
) -> int:
    """Post the reversal of journal ``journal_id``; return the new journal's id.

    Raises AlreadyReversedError when it was reversed before (a journal is undone once).
    """
    # Lock the original so two concurrent reversals cannot both pass the check below.
    session.execute(select(JournalEntry.id).where(JournalEntry.id == journal_id).with_for_update())
    original = load(session, tenant_id, journal_id)
    done = session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == journal_id))
    if done is not None:
        raise AlreadyReversedError(f"journal {journal_id} was already reversed by journal {done}")
    result = post(
        session, tenant_id, reversal(original, journal_id, business_date, reason), created_by
    )
    return result.journal_id


@dataclass(frozen=True, slots=True)
class BalanceRow:
    account: str
    owner: str
    loan_id: int | None
    currency: str
    balance: Decimal


def balances(
    session: Session,
    tenant_id: int,
    as_of: date,
    *,
    by: Sequence[str] = ("account",),
    accounts: Iterable[str] | None = None,
    owner: str | None = None,
    loan_id: int | None = None,
) -> list[BalanceRow]:
    """Return balances as of ``as_of`` (inclusive), grouped by any of account/owner/loan.

    Balances are signed like postings (debit > 0). Grouping keys not asked for come
    back as ``"*"`` (or None for the loan).
    """
    columns = {
        "account": LedgerAccount.code,
        "owner": ExposureOwner.code,
        "loan": LedgerPosting.loan_id,
    }
    group = [columns[k] for k in by] + [LedgerPosting.currency]
    stmt = (
        select(*group, func.sum(LedgerPosting.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(ExposureOwner, ExposureOwner.id == LedgerPosting.owner_id)
        .where(LedgerPosting.tenant_id == tenant_id, LedgerPosting.business_date <= as_of)
        .group_by(*group)
        .order_by(*group)
    )
    if accounts is not None:
        stmt = stmt.where(LedgerAccount.code.in_(list(accounts)))
    if owner is not None:
        stmt = stmt.where(ExposureOwner.code == owner)
    if loan_id is not None:
        stmt = stmt.where(LedgerPosting.loan_id == loan_id)
    return [_balance_row(by, row) for row in session.execute(stmt)]


def _balance_row(by: Sequence[str], row: Row) -> BalanceRow:
    values = dict(zip(by, row[: len(by)], strict=True))
    return BalanceRow(
        account=values.get("account", "*"),
        owner=values.get("owner", "*"),
        loan_id=values.get("loan"),
        currency=row[len(by)],
        balance=row[len(by) + 1],
    )


def balance_of(
    session: Session,
    tenant_id: int,
    account: str,
    as_of: date,
    *,
    owner: str | None = None,
    loan_id: int | None = None,
    currency: Currency = Currency.INR,
) -> Decimal:
    """Return one account's balance as of a date (0 when it has no postings)."""
    rows = balances(
        session, tenant_id, as_of, by=("account",), accounts=[account], owner=owner, loan_id=loan_id
    )
    return sum((r.balance for r in rows if r.currency == currency), Decimal("0"))


def own_book_owner_id(session: Session, tenant_id: int) -> int:
    return _resolve(_owner_ids(session, tenant_id), OWN_BOOK, "owner")


VERIFY_CHECKS = {
    "unbalanced journal": """
        select j.id, p.currency, sum(p.amount) from journal_entry j
        join ledger_posting p on p.journal_id = j.id
        group by j.id, p.currency having sum(p.amount) <> 0 limit 50""",
    "journal without postings": """
        select j.id from journal_entry j
        where not exists (select 1 from ledger_posting p where p.journal_id = j.id) limit 50""",
    "posting whose journal is missing": """
        select p.id from ledger_posting p
        left join journal_entry j on j.id = p.journal_id where j.id is null limit 50""",
    "posting in another tenant than its journal or account": """
        select p.id from ledger_posting p
        join journal_entry j on j.id = p.journal_id
        join ledger_account a on a.id = p.account_id
        join exposure_owner o on o.id = p.owner_id
        where p.tenant_id <> j.tenant_id or p.tenant_id <> a.tenant_id
           or p.tenant_id <> o.tenant_id limit 50""",
    "posting dated differently from its journal": """
        select p.id from ledger_posting p join journal_entry j on j.id = p.journal_id
        where p.business_date <> j.business_date limit 50""",
    "journal reversed more than once": """
        select reverses_id from journal_entry where reverses_id is not null
        group by reverses_id having count(*) > 1 limit 50""",
}


def verify(session: Session) -> list[str]:
    """Return every ledger invariant violation found (empty when the ledger is sound)."""
    violations = []
    for name, sql in VERIFY_CHECKS.items():
        for row in session.execute(text(sql)):
            violations.append(f"{name}: {tuple(row)}")
    return violations


def loan_postings(
    session: Session,
    tenant_id: int,
    loan_id: int,
    start: date | None = None,
    end: date | None = None,
) -> list[Row]:
    """Return a loan's postings in posting order: journal id, kind, date, account, amount."""
    stmt = (
        select(
            JournalEntry.id,
            JournalEntry.kind,
            JournalEntry.business_date,
            LedgerAccount.code,
            LedgerPosting.amount,
        )
        .join(JournalEntry, JournalEntry.id == LedgerPosting.journal_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerPosting.tenant_id == tenant_id, LedgerPosting.loan_id == loan_id)
        .order_by(LedgerPosting.business_date, LedgerPosting.id)
    )
    if start:
        stmt = stmt.where(LedgerPosting.business_date >= start)
    if end:
        stmt = stmt.where(LedgerPosting.business_date <= end)
    return list(session.execute(stmt))


def accounts(session: Session, tenant_id: int) -> list[LedgerAccount]:
    """Return the tenant's chart of accounts, by code."""
    stmt = (
        select(LedgerAccount)
        .where(LedgerAccount.tenant_id == tenant_id)
        .order_by(LedgerAccount.code)
    )
    return list(session.scalars(stmt))
