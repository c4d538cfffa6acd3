"""Loan life-cycle API: prepayment, foreclosure, restructure, write-off, recovery, settlement, NOC.

Quotes are GETs and write nothing. Money-moving executions take ``Idempotency-Key``
(a retry gets the stored response). Every write is audited. Permissions: quotes and
views ``loan:read``; prepayment, foreclosure, recovery and settlement payment
``repayment:post``; restructure ``loan:restructure``; write-off and settlement terms
``loan:writeoff`` (credit managers).

Dual control: when the tenant's approval policy puts write-off or settlement terms under
dual control (the default), the POST answers **202** with the pending approval request
instead of doing it; a second user approves it under ``/approvals``
(:mod:`hub.platform.approvals.service`, actions in :mod:`hub.loans.approvals`). The
request is checked first, so what the action would refuse is still refused at once
(404 / 409 / 422), and so is a second pending request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.loans import lifecycle as lc
from hub.loans import prepayments, settlement, writeoff
from hub.loans.approvals import ApprovalAction
from hub.loans.repayments import Channel
from hub.loans.restructure import RestructureIn, restructure_loan
from hub.platform.approvals import service as approvals
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, NotFound
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount, Rate
from hub.platform.idempotency import IdempotencyGuard, idempotency_guard
from lms_core.loans.product import PrepaymentPolicy
from lms_core.loans.status import LoanStatus
from lms_core.money import D
from lms_core.persistence.loans import lifecycle_repository, loan_repository
from lms_core.persistence.loans.lifecycle_models import LoanChange

router = APIRouter(tags=["loan life-cycle"])
DUAL_CONTROL = {202: {"description": "Under dual control: the pending approval request"}}


class PrepaymentBody(BaseModel):
    amount: Amount = Field(description="principal to prepay")
    policy: PrepaymentPolicy | None = Field(default=None, description="default: the product's")


class ForeclosureBody(BaseModel):
    amount: Amount = Field(description="the payment; at least the quote's total")
    channel: Channel = Channel.NEFT
    reference: str | None = None


class RestructureBody(BaseModel):
    installments: int = Field(ge=1, le=1200, description="installments from the next one")
    annual_rate: Rate | None = None
    moratorium_periods: int = Field(default=0, ge=0)
    reason: str = Field(min_length=3)


class ReasonBody(BaseModel):
    reason: str = Field(min_length=3)


class AmountBody(BaseModel):
    amount: Amount


class SettlementBody(BaseModel):
    amount: Amount = Field(description="the amount agreed")
    valid_until: date | None = None


def change_out(change: LoanChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "loan_id": change.loan_id,
        "kind": change.kind,
        "business_date": change.business_date,
        "amount": lc.money(change.amount or Decimal(0)),
        "from_version": change.from_version,
        "to_version": change.to_version,
        "journal_id": change.journal_id,
        "actor": change.actor,
        "detail": change.detail,
    }


def _audited(guard: IdempotencyGuard, action: str, loan_id: int, body: BaseModel, change):
    audit(
        guard.session, guard.principal, action, "loan", loan_id, None,
        {"change": change.id, **body.model_dump(mode="json")},
    )  # fmt: skip
    return guard.respond(201, change_out(change))


@router.get("/loans/{loan_id}/prepayment/quote", summary="Quote a part prepayment (writes nothing)")
def prepayment_quote(
    loan_id: int,
    amount: str = Query(description="principal to prepay, as a decimal string"),
    policy: PrepaymentPolicy | None = None,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    body = AmountBody(amount=amount)
    quote = prepayments.quote_prepayment(session, principal.tenant_id, loan_id, body.amount, policy)
    return quote.as_dict()


@router.post("/loans/{loan_id}/prepayments", status_code=201, summary="Execute a part prepayment")
def prepay(
    loan_id: int,
    body: PrepaymentBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST)),
):
    if guard.replay is not None:
        return guard.replay
    p = guard.principal
    change = prepayments.execute_prepayment(
        guard.session, p.tenant_id, loan_id, body.amount, p.username, body.policy
    )
    return _audited(guard, "loan.prepay", loan_id, body, change)


@router.get("/loans/{loan_id}/foreclosure/quote", summary="What closes the loan today")
def foreclosure_quote(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return prepayments.foreclosure_quote(session, principal.tenant_id, loan_id).as_dict()


@router.post(
    "/loans/{loan_id}/foreclosure",
    status_code=201,
    summary="Foreclose with a payment of at least the quote (422 with the shortfall otherwise)",
)
def foreclose(
    loan_id: int,
    body: ForeclosureBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST)),
):
    if guard.replay is not None:
        return guard.replay
    p = guard.principal
    change = prepayments.execute_foreclosure(
        guard.session, p.tenant_id, loan_id, body.amount, p.username, body.channel, body.reference
    )
    return _audited(guard, "loan.foreclose", loan_id, body, change)


@router.post("/loans/{loan_id}/restructure", status_code=201, summary="Restructure: new terms")
def restructure(
    loan_id: int,
    body: RestructureBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_RESTRUCTURE)),
):
    if guard.replay is not None:
        return guard.replay
    p = guard.principal
    terms = RestructureIn(body.installments, body.annual_rate, body.moratorium_periods, body.reason)
    change = restructure_loan(guard.session, p.tenant_id, loan_id, terms, p.username)
    return _audited(guard, "loan.restructure", loan_id, body, change)


def _under_dual_control(
    guard: IdempotencyGuard, action: ApprovalAction, loan_id: int, body: BaseModel
) -> JSONResponse | None:
    """Return the 202 with a new pending request when ``action`` needs a checker, else None."""
    p = guard.principal
    payload = body.model_dump(mode="json")
    amount = D(payload["amount"]) if payload.get("amount") else None
    if not approvals.needs_checker(guard.session, p.tenant_id, action, amount):
        return None
    req = approvals.request(guard.session, p, action, loan_id, payload, amount=amount)
    return guard.respond(202, approvals.view(guard.session, req))


@router.post(
    "/loans/{loan_id}/write-off",
    status_code=201,
    summary="Write the loan off to loss (202: waits for a second approver)",
    responses=DUAL_CONTROL,
)
def write_off(
    loan_id: int,
    body: ReasonBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_WRITE_OFF)),
):
    if guard.replay is not None:
        return guard.replay
    pending = _under_dual_control(guard, ApprovalAction.LOAN_WRITE_OFF, loan_id, body)
    if pending is not None:
        return pending
    p = guard.principal
    change = writeoff.write_off(guard.session, p.tenant_id, loan_id, body.reason, p.username)
    return _audited(guard, "loan.write_off", loan_id, body, change)


@router.post(
    "/loans/{loan_id}/recoveries", status_code=201, summary="A recovery on a written-off loan"
)
def recover(
    loan_id: int,
    body: AmountBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST)),
):
    if guard.replay is not None:
        return guard.replay
    p = guard.principal
    change = writeoff.recover(guard.session, p.tenant_id, loan_id, body.amount, p.username)
    return _audited(guard, "loan.recovery", loan_id, body, change)


@router.post(
    "/loans/{loan_id}/settlement",
    status_code=201,
    summary="Agree a one-time settlement (202: waits for a second approver)",
    responses=DUAL_CONTROL,
)
def agree_settlement(
    loan_id: int,
    body: SettlementBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_WRITE_OFF)),
):
    if guard.replay is not None:
        return guard.replay
    pending = _under_dual_control(guard, ApprovalAction.LOAN_SETTLEMENT, loan_id, body)
    if pending is not None:
        return pending
    p = guard.principal
    deal = settlement.agree(
        guard.session, p.tenant_id, loan_id, body.amount, p.username, body.valid_until
    )
    audit(
        guard.session,
        p,
        "loan.settlement_agree",
        "loan",
        loan_id,
        None,
        body.model_dump(mode="json"),
    )
    return guard.respond(201, settlement_out(deal))


@router.post(
    "/loans/{loan_id}/settlement/payment",
    status_code=201,
    summary="Pay the agreed settlement: the rest is waived, the loan closes as settled",
)
def pay_settlement(
    loan_id: int,
    body: AmountBody,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST)),
):
    if guard.replay is not None:
        return guard.replay
    p = guard.principal
    change = settlement.pay(guard.session, p.tenant_id, loan_id, body.amount, p.username)
    return _audited(guard, "loan.settle", loan_id, body, change)


def settlement_out(s) -> dict[str, Any]:
    return {
        "id": s.id,
        "loan_id": s.loan_id,
        "status": s.status,
        "agreed_amount": lc.money(s.agreed_amount),
        "agreed_on": s.agreed_on,
        "valid_until": s.valid_until,
        "settled_on": s.settled_on,
        "paid_amount": lc.money(s.paid_amount) if s.paid_amount is not None else None,
        "waived": {
            "principal": lc.money(s.waived_principal),
            "interest": lc.money(s.waived_interest),
            "fees": lc.money(s.waived_fees),
            "penal": lc.money(s.waived_penal),
        },
    }


@router.get(
    "/loans/{loan_id}/lifecycle", summary="Life-cycle history, write-off tracking, settlements"
)
def lifecycle_view(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    loan = lc.get_loan(session, principal.tenant_id, loan_id)
    w = lifecycle_repository.write_off_of(session, loan.id)
    noc = lifecycle_repository.latest_document(session, principal.tenant_id, loan.id, "noc")
    return {
        "loan_id": loan.id,
        "status": loan.status,
        "schedule_version": loan.schedule_version,
        "advance": lc.money(loan.advance),
        "changes": [change_out(c) for c in lifecycle_repository.changes(session, loan.id)],
        "write_off": writeoff.tracking(w) if w is not None else None,
        "settlements": [
            settlement_out(s) for s in lifecycle_repository.settlements(session, loan.id)
        ],
        "noc": {"id": noc.id, "sha256": noc.sha256, "size": noc.size} if noc else None,
    }


@router.get(
    "/loans/{loan_id}/schedule/versions/{version}", summary="One schedule version (old ones kept)"
)
def schedule_version(
    loan_id: int,
    version: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    loan = lc.get_loan(session, principal.tenant_id, loan_id)
    rows = loan_repository.schedule_rows(session, loan.id, version)
    if not rows:
        raise NotFound(f"loan {loan_id} has no schedule version {version}")
    return [
        {"number": r.number, "due_date": r.due_date, "principal": lc.money(r.principal),
         "interest": lc.money(r.interest), "fees": lc.money(r.fees), "total": lc.money(r.total),
         "balance": lc.money(r.balance)}
        for r in rows
    ]  # fmt: skip


@router.get(
    "/loans/{loan_id}/noc",
    summary="The no-dues certificate (PDF) of a closed or settled loan",
    response_class=Response,
)
def download_noc(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    loan = lc.get_loan(session, principal.tenant_id, loan_id)
    if loan.status not in (LoanStatus.CLOSED, LoanStatus.SETTLED):
        raise Conflict(f"loan {loan.loan_number} is {loan.status}: no certificate")
    doc = lifecycle_repository.latest_document(session, principal.tenant_id, loan.id, "noc")
    if doc is None:
        raise NotFound(f"loan {loan.loan_number} has no certificate")
    return Response(
        content=bytes(doc.data),
        media_type=doc.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{doc.file_name}"',
            "X-Checksum-SHA256": doc.sha256,
        },
    )
