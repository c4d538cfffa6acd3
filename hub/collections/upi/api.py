"""UPI AutoPay API: mandates through a PSP, pre-debit notices, debits, and their status.

Writes call the PSP synchronously and accept ``Idempotency-Key``; the PSP itself treats
our references as idempotency keys, so a retried request never creates a second
mandate, notice or debit. A PSP outage answers 503 with nothing recorded. The PSP's
answers about mandates and debits arrive later by webhook (``/webhooks/{tenant}/{psp}``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.collections import mandates as registry
from hub.collections.upi import views
from hub.collections.upi.debits import execute_debit, send_notice
from hub.collections.upi.mandates import UpiAmountRule, UpiMandateIn, cancel_mandate, create_mandate
from hub.collections.upi.rules import Recurrence
from hub.integration.api.webhooks import hub_now
from hub.integration.counterparts import Cipher
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount
from hub.platform.idempotency import IdempotencyGuard, idempotency_guard

router = APIRouter(tags=["upi-autopay"])


def _cipher(request: Request) -> Cipher:
    return Cipher(request.app.state.settings.encryption_key_value())


class MandateBody(BaseModel):
    loan_id: int
    psp: str = Field(description="the PSP counterpart's code")
    payer_vpa: str = Field(max_length=100, description="the payer's UPI id, name@handle")
    payer_name: str = Field(min_length=1, max_length=100)
    amount: Amount
    amount_rule: UpiAmountRule = UpiAmountRule.MAX
    recurrence: Recurrence = Recurrence.MONTHLY
    start_date: date
    end_date: date | None = None


class NoticeBody(BaseModel):
    amount: Amount
    debit_date: date


class DebitBody(BaseModel):
    amount: Amount = Field(description="must equal the notified amount")


class UpiCancelBody(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


@router.post("/upi/mandates", status_code=201, summary="Create a UPI AutoPay mandate at the PSP")
def create(
    body: MandateBody,
    request: Request,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.LOAN_WRITE)),
):
    if guard.replay is not None:
        return guard.replay
    session, principal = guard.session, guard.principal
    data = UpiMandateIn(**body.model_dump())
    created = create_mandate(
        session, _cipher(request), principal.tenant_id, data, principal.username
    )
    out = views.mandate_out(created.mandate, created.upi)
    audit(
        session,
        principal,
        "upi.mandate.create",
        "mandate",
        created.mandate.id,
        None,
        {"loan_id": body.loan_id, "psp": body.psp, "amount": str(body.amount)},
    )
    return guard.respond(201, out)


@router.get("/upi/mandates", summary="UPI AutoPay mandates with their status")
def list_mandates(
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = Depends(require(Permission.LOAN_READ)),
) -> list[dict[str, Any]]:
    return views.mandates(
        session, principal.tenant_id, status=status, limit=min(limit, 500), offset=offset
    )


@router.get("/upi/mandates/{mandate_id}", summary="A UPI mandate: history, cycles, PSP events")
def mandate_detail(
    mandate_id: int,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = Depends(require(Permission.LOAN_READ)),
) -> dict[str, Any]:
    return views.mandate_detail(session, principal.tenant_id, mandate_id)


@router.post(
    "/upi/mandates/{mandate_id}/notices",
    status_code=201,
    summary="Send the pre-debit notice of a cycle (>= 24 h before the debit)",
)
def notice(
    mandate_id: int,
    body: NoticeBody,
    request: Request,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST)),
):
    if guard.replay is not None:
        return guard.replay
    session, principal = guard.session, guard.principal
    cycle = send_notice(
        session,
        _cipher(request),
        principal.tenant_id,
        mandate_id,
        body.amount,
        body.debit_date,
        principal.username,
    )
    audit(
        session,
        principal,
        "upi.notice",
        "upi_cycle",
        cycle.id,
        None,
        {"amount": str(body.amount), "debit_date": str(body.debit_date)},
    )
    return guard.respond(201, views.cycle_out(cycle, []))


@router.post(
    "/upi/cycles/{cycle_id}/debit",
    status_code=201,
    summary="Execute the notified debit of a cycle (outcome arrives by PSP webhook)",
)
def debit(
    cycle_id: int,
    body: DebitBody,
    request: Request,
    guard: IdempotencyGuard = Depends(idempotency_guard(Permission.REPAYMENT_POST)),
):
    if guard.replay is not None:
        return guard.replay
    session, principal = guard.session, guard.principal
    row = execute_debit(
        session,
        _cipher(request),
        principal.tenant_id,
        cycle_id,
        body.amount,
        hub_now(request),
        principal.username,
    )
    audit(
        session,
        principal,
        "upi.debit",
        "upi_cycle",
        cycle_id,
        None,
        {"debit": row.reference, "amount": str(body.amount)},
    )
    return guard.respond(201, views.debit_out(row))


@router.get("/upi/cycles", summary="UPI debit cycles (notice, attempts, status)")
def list_cycles(
    status: str | None = None,
    mandate_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = Depends(require(Permission.LOAN_READ)),
) -> list[dict[str, Any]]:
    return views.cycles(
        session,
        principal.tenant_id,
        status=status,
        mandate_id=mandate_id,
        limit=min(limit, 500),
        offset=offset,
    )


@router.post("/upi/mandates/{mandate_id}/cancel", summary="Cancel a UPI mandate at the PSP")
def cancel(
    mandate_id: int,
    body: UpiCancelBody,
    request: Request,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = Depends(require(Permission.LOAN_WRITE)),
) -> dict[str, Any]:
    mandate = cancel_mandate(
        session, _cipher(request), principal.tenant_id, mandate_id, body.reason, principal.username
    )
    audit(
        session,
        principal,
        "upi.mandate.cancel",
        "mandate",
        mandate_id,
        None,
        {"reason": body.reason},
    )
    return {
        "id": mandate.id,
        "status": mandate.status,
        "history": len(registry.history(session, principal.tenant_id, mandate_id)),
    }
