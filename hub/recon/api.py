"""Reconciliation API: escrow accounts, expected items, statements, runs, breaks.

Reads need ``recon:read``; recording expected receipts, registering accounts and running
a match need ``recon:resolve`` and are audited. The break desk's actions (manual match,
unmatch, adjustments with maker-checker, assignment, comments, export) live in their
own routes module on the same tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, NotFound
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount
from hub.recon import queries
from hub.recon.expected import Direction, ExpectedSource, record_expected
from hub.recon.run import run_reconciliation
from lms_core.persistence.recon import run_repository as repository

router = APIRouter(prefix="/recon", tags=["reconciliation"])
READ = require(Permission.RECON_READ)
RESOLVE = require(Permission.RECON_RESOLVE)


class AccountIn(BaseModel):
    account_no: str = Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9/-]+$")
    bank: str = Field(min_length=2, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(default="INR", pattern=r"^[A-Z]{3}$")


class ExpectedIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100)
    amount: Amount
    currency: str = Field(default="INR", pattern=r"^[A-Z]{3}$")
    direction: Direction = Direction.CREDIT
    expected_on: date
    account: str | None = None
    loan_id: int | None = None
    counterparty: str | None = Field(default=None, max_length=200)
    utr: str | None = Field(default=None, max_length=40)
    posting_ref: str | None = Field(default=None, max_length=100)


@router.get("/accounts", summary="Escrow accounts under reconciliation")
def list_accounts(
    principal: Principal = Depends(READ), session: Session = Depends(get_session, scope="function")
) -> list[dict[str, Any]]:
    return [queries.account_out(a) for a in repository.accounts(session, principal.tenant_id)]


@router.post("/accounts", status_code=201, summary="Register an escrow account")
def create_account(
    body: AccountIn,
    principal: Principal = Depends(RESOLVE),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    if repository.account_by_no(session, principal.tenant_id, body.account_no):
        raise Conflict(f"account {body.account_no} is already registered")
    row = repository.add_account(
        session, principal.tenant_id, body.account_no, body.bank, body.name, body.currency
    )
    after = body.model_dump()
    audit(session, principal, "recon.account.create", "recon_account", row.id, None, after)
    return queries.account_out(row)


@router.post(
    "/expected",
    status_code=201,
    summary="Record a manual expected receipt (idempotent on its reference)",
)
def create_expected(
    body: ExpectedIn,
    principal: Principal = Depends(RESOLVE),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    item = record_expected(
        session,
        principal.tenant_id,
        source=ExpectedSource.MANUAL,
        **body.model_dump(),
    )
    audit(
        session,
        principal,
        "recon.expected.create",
        "recon_expected_item",
        item.id,
        None,
        body.model_dump(mode="json"),
    )
    return queries.expected_out(item)


@router.get("/expected", summary="Expected items (newest first)")
def list_expected(
    status: str | None = None,
    source: ExpectedSource | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(READ),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    rows = repository.list_expected(
        session,
        principal.tenant_id,
        status=status,
        source=str(source) if source else None,
        limit=limit,
        offset=offset,
    )
    return [queries.expected_out(e) for e in rows]


@router.get("/statements", summary="Statements received (accepted or held for a gap)")
def list_statements(
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(READ),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    rows = repository.list_statements(session, principal.tenant_id, limit=limit, offset=offset)
    return [queries.statement_out(s, account_no) for s, account_no in rows]


@router.get("/statements/{statement_id}/lines", summary="A statement's lines and their state")
def statement_lines(
    statement_id: int,
    principal: Principal = Depends(READ),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    lines = repository.statement_lines(session, principal.tenant_id, statement_id)
    if not lines:
        raise NotFound(f"no statement {statement_id} with lines")
    return [queries.actual_out(a) for a in lines]


@router.post("/runs", status_code=201, summary="Run matching now; returns the run summary")
def create_run(
    principal: Principal = Depends(RESOLVE),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    run = run_reconciliation(session, principal.tenant_id, triggered_by=principal.username)
    audit(session, principal, "recon.run", "recon_run", run.id, None, run.summary)
    return queries.run_out(run)


@router.get("/runs", summary="Matching runs (newest first) with their summaries")
def list_runs(
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(READ),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return [queries.run_out(r) for r in queries.runs(session, principal.tenant_id, limit)]


@router.get("/breaks", summary="Break queue: filters, ageing in business days")
def list_breaks(
    status: str = "open",
    side: str | None = None,
    reason: str | None = None,
    source: str | None = None,
    account: str | None = None,
    min_amount: Amount | None = None,
    max_amount: Amount | None = None,
    min_age: int | None = Query(None, ge=0),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(READ),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    filters = queries.BreakFilters(
        status=status,
        side=side,
        reason=reason,
        source=source,
        account=account,
        min_amount=min_amount,
        max_amount=max_amount,
        min_age=min_age,
    )
    return queries.break_queue(session, principal.tenant_id, filters, limit, offset)


@router.get("/breaks/{break_id}", summary="A break with its item and candidate matches")
def get_break(
    break_id: int,
    principal: Principal = Depends(READ),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return queries.break_detail(session, principal.tenant_id, break_id)
