"""Ledger API: accounts, manual journals, reversals, balances as of any date."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount
from lms_core.ledger import OWN_BOOK, Journal, Posting, UnbalancedJournalError
from lms_core.money import Currency
from lms_core.persistence.ledger import ledger_repository as repo
from lms_core.persistence.platform import tenant_repository

router = APIRouter(tags=["ledger"])


class AccountOut(BaseModel):
    code: str
    name: str
    type: str


class PostingIn(BaseModel):
    account: str
    amount: Amount = Field(description="signed: debit > 0, credit < 0")
    currency: Currency = Currency.INR
    owner: str = OWN_BOOK
    loan_id: int | None = None


class JournalIn(BaseModel):
    kind: str = "manual"
    description: str = ""
    postings: list[PostingIn]
    external_ref: str | None = None
    loan_id: int | None = None


class JournalOut(BaseModel):
    id: int
    kind: str
    business_date: date
    description: str
    reverses: int | None
    postings: list[PostingIn]


class ReverseIn(BaseModel):
    reason: str = Field(min_length=3)


class BalanceOut(BaseModel):
    account: str
    owner: str
    loan_id: int | None
    currency: str
    balance: Amount


def _journal_out(journal_id: int, journal: Journal) -> JournalOut:
    return JournalOut(
        id=journal_id,
        kind=journal.kind,
        business_date=journal.business_date,
        description=journal.description,
        reverses=journal.reverses,
        postings=[
            PostingIn(
                account=p.account,
                amount=p.amount,
                currency=p.currency,
                owner=p.owner,
                loan_id=p.loan_id,
            )
            for p in journal.postings
        ],
    )


@router.get("/ledger/accounts", response_model=list[AccountOut], summary="Chart of accounts")
def accounts(
    principal: Principal = Depends(require(Permission.LEDGER_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[AccountOut]:
    rows = repo.accounts(session, principal.tenant_id)
    return [AccountOut(code=a.code, name=a.name, type=a.type) for a in rows]


@router.post(
    "/ledger/journals",
    response_model=JournalOut,
    status_code=201,
    summary="Post a manual journal (must balance per currency)",
)
def post_journal(
    body: JournalIn,
    principal: Principal = Depends(require(Permission.LEDGER_POST)),
    session: Session = Depends(get_session, scope="function"),
) -> JournalOut:
    today = tenant_repository.business_date(session, principal.tenant_id)
    journal = Journal(
        kind=body.kind,
        business_date=today,
        description=body.description,
        external_ref=body.external_ref,
        loan_id=body.loan_id,
        postings=tuple(
            Posting(p.account, p.amount, p.currency, p.owner, p.loan_id) for p in body.postings
        ),
    )
    try:
        result = repo.post(session, principal.tenant_id, journal, principal.username)
    except UnbalancedJournalError as exc:
        raise Unprocessable(
            "journal refused", problems=[FieldProblem(p.field, p.message) for p in exc.problems]
        ) from None
    except repo.LedgerLookupError as exc:
        raise Unprocessable(str(exc)) from None
    if not result.created:
        raise Conflict(
            f"external_ref {body.external_ref!r} was posted already as journal {result.journal_id}"
        )
    audit(
        session,
        principal,
        "ledger.post",
        "journal",
        result.journal_id,
        None,
        body.model_dump(mode="json"),
    )
    return _journal_out(result.journal_id, journal)


@router.get("/ledger/journals/{journal_id}", response_model=JournalOut, summary="One journal")
def get_journal(
    journal_id: int,
    principal: Principal = Depends(require(Permission.LEDGER_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> JournalOut:
    try:
        return _journal_out(journal_id, repo.load(session, principal.tenant_id, journal_id))
    except repo.LedgerLookupError as exc:
        raise NotFound(str(exc)) from None


@router.post(
    "/ledger/journals/{journal_id}/reverse",
    response_model=JournalOut,
    status_code=201,
    summary="Reverse a journal (the only way to correct the ledger)",
)
def reverse_journal(
    journal_id: int,
    body: ReverseIn,
    principal: Principal = Depends(require(Permission.LEDGER_REVERSE)),
    session: Session = Depends(get_session, scope="function"),
) -> JournalOut:
    today = tenant_repository.business_date(session, principal.tenant_id)
    try:
        new_id = repo.reverse(
            session, principal.tenant_id, journal_id, today, body.reason, principal.username
        )
    except repo.LedgerLookupError as exc:
        raise NotFound(str(exc)) from None
    except repo.AlreadyReversedError as exc:
        raise Conflict(str(exc)) from None
    audit(
        session,
        principal,
        "ledger.reverse",
        "journal",
        journal_id,
        None,
        {"reversal": new_id, "reason": body.reason},
    )
    return _journal_out(new_id, repo.load(session, principal.tenant_id, new_id))


@router.get("/ledger/balances", response_model=list[BalanceOut], summary="Balances as of a date")
def balances(
    as_of: date | None = None,
    by: list[Literal["account", "owner", "loan"]] = Query(default=["account"]),
    account: list[str] | None = Query(default=None),
    owner: str | None = None,
    loan_id: int | None = None,
    principal: Principal = Depends(require(Permission.LEDGER_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[BalanceOut]:
    when = as_of or tenant_repository.business_date(session, principal.tenant_id)
    rows = repo.balances(
        session, principal.tenant_id, when, by=by, accounts=account, owner=owner, loan_id=loan_id
    )
    return [
        BalanceOut(
            account=r.account,
            owner=r.owner,
            loan_id=r.loan_id,
            currency=r.currency,
            balance=r.balance,
        )
        for r in rows
    ]
