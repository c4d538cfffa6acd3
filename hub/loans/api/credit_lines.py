"""Credit line API: open a revolving line / overdraft, draw, repay, utilisation, statement."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.loans import credit_lines
from hub.loans.repayments import Channel
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import NotFound
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount, Rate
from lms_core.persistence.loans import credit_line_repository

router = APIRouter(tags=["credit lines"])


class LineBody(BaseModel):
    line_number: str = Field(min_length=1, max_length=40)
    limit: Amount
    annual_rate: Rate
    valid_from: date
    valid_until: date
    billing_day: int = Field(default=1, description="day of month interest is billed (1-31)")
    day_count: Literal["ACT/365F", "ACT/360", "ACT/364", "30/360", "ACT/ACT"] = "ACT/365F"
    currency: str = "INR"
    borrower_name: str = ""
    external_ref: str | None = None


class MoveBody(BaseModel):
    amount: Amount
    currency: str = "INR"
    external_ref: str | None = Field(default=None, description="makes the call idempotent")


class LineRepaymentBody(MoveBody):
    channel: Channel = Channel.NEFT


def _txn_out(t) -> dict[str, Any]:
    return {
        "id": t.id,
        "kind": t.kind,
        "business_date": t.business_date.isoformat(),
        "amount": f"{t.amount:.2f}",
        "principal": f"{t.principal:.2f}",
        "interest": f"{t.interest:.2f}",
        "fees": f"{t.fees:.2f}",
        "drawn_after": f"{t.drawn_after:.2f}",
        "journal_id": t.journal_id,
    }


def _line(session: Session, principal: Principal, line_id: int):
    line = credit_line_repository.get_line(session, principal.tenant_id, line_id)
    if line is None:
        raise NotFound(f"credit line {line_id} not found")
    return line


@router.post("/credit-lines", status_code=201, summary="Open a revolving credit / overdraft line")
def open_line(
    body: LineBody,
    principal: Principal = Depends(require(Permission.LOAN_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    line = credit_lines.open_line(
        session, principal.tenant_id, credit_lines.LineIn(**body.model_dump()), principal.username
    )
    audit(
        session,
        principal,
        "credit_line.open",
        "credit_line",
        line.id,
        None,
        body.model_dump(mode="json"),
    )
    return credit_lines.utilisation(session, line)


@router.get("/credit-lines/{line_id}", summary="Limit, drawn, available, utilisation %")
def get_line(
    line_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return credit_lines.utilisation(session, _line(session, principal, line_id))


@router.post(
    "/credit-lines/{line_id}/drawdowns",
    status_code=201,
    summary="Draw on the line (422 naming the available amount when over the limit)",
)
def drawdown(
    line_id: int,
    body: MoveBody,
    principal: Principal = Depends(require(Permission.LOAN_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    txn = credit_lines.draw(
        session,
        principal.tenant_id,
        line_id,
        body.amount,
        principal.username,
        currency=body.currency,
        external_ref=body.external_ref,
    )
    audit(session, principal, "credit_line.draw", "credit_line", line_id, None, _txn_out(txn))
    return _txn_out(txn)


@router.post(
    "/credit-lines/{line_id}/repayments",
    status_code=201,
    summary="Repay: billed interest and charges first, then principal (restores the limit)",
)
def repayment(
    line_id: int,
    body: LineRepaymentBody,
    principal: Principal = Depends(require(Permission.REPAYMENT_POST)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    txn = credit_lines.repay(
        session,
        principal.tenant_id,
        line_id,
        body.amount,
        principal.username,
        currency=body.currency,
        channel=str(body.channel),
        external_ref=body.external_ref,
    )
    audit(session, principal, "credit_line.repay", "credit_line", line_id, None, _txn_out(txn))
    return _txn_out(txn)


@router.get("/credit-lines/{line_id}/statement", summary="Statement of the line for a period")
def get_statement(
    line_id: int,
    start: date,
    end: date,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return credit_lines.statement(session, _line(session, principal, line_id), start, end)
