"""Collections API: the mandate registry and NACH presentations.

Mandates: list / get (with history) / create / cancel; the debtor account is never
returned, only ``debtor_account_masked``. Presentations: per settlement date with
collected / returned counts and amounts, bounce reasons, items awaiting re-presentation.
Reads need ``loan:read``; writes ``loan:write`` and are audited.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.collections import mandates as svc
from hub.collections.mandates import AccountCipher, MandateIn
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount
from lms_core.collections.enums import AmountRule, MandateKind
from lms_core.persistence.collections import mandate_repository, nach_repository
from lms_core.persistence.collections.models import Mandate

router = APIRouter(tags=["collections"])
READ = Depends(require(Permission.LOAN_READ))
WRITE = Depends(require(Permission.LOAN_WRITE))


class MandateCreate(BaseModel):
    loan_id: int
    kind: MandateKind
    debtor_name: str = Field(min_length=1, max_length=100)
    debtor_account: str = Field(min_length=1, max_length=100, description="account no. or VPA")
    debtor_ifsc: str | None = Field(default=None, pattern=r"^[A-Z]{4}0[A-Z0-9]{6}$")
    account_type: str = Field(default="SAVINGS", pattern="^(SAVINGS|CURRENT)$")
    amount: Amount
    amount_rule: AmountRule = AmountRule.MAXIMUM
    frequency: str = Field(default="MNTH", max_length=10)
    start_date: date
    end_date: date | None = None
    reference: str | None = Field(default=None, max_length=40, description="UMRN if known")


class MandateEventOut(BaseModel):
    kind: str
    status: str
    business_date: date
    code: str | None
    detail: dict
    actor: str
    at: datetime


class MandateOut(BaseModel):
    id: int
    loan_id: int
    kind: str
    status: str
    request_id: str
    reference: str | None
    debtor_name: str
    debtor_account_masked: str
    debtor_ifsc: str | None
    amount_rule: str
    amount: Amount
    frequency: str
    start_date: date
    end_date: date | None
    reject_code: str | None
    reject_reason: str | None
    history: list[MandateEventOut] = []


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


def _out(m: Mandate, history=()) -> MandateOut:
    fields = {name: getattr(m, name) for name in MandateOut.model_fields if name != "history"}
    events = [MandateEventOut.model_validate(e, from_attributes=True) for e in history]
    return MandateOut(**fields, history=events)


@router.get("/mandates", response_model=list[MandateOut], summary="List mandates")
def list_mandates(
    loan_id: int | None = None,
    status: str | None = None,
    kind: MandateKind | None = None,
    limit: int = Query(100, le=500),
    offset: int = 0,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = READ,
) -> list[MandateOut]:
    rows = mandate_repository.list_mandates(
        session,
        principal.tenant_id,
        loan_id=loan_id,
        status=status,
        kind=kind,
        limit=limit,
        offset=offset,
    )
    return [_out(m) for m in rows]


@router.get("/mandates/{mandate_id}", response_model=MandateOut, summary="A mandate + history")
def get_mandate(
    mandate_id: int,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = READ,
) -> MandateOut:
    mandate = svc.get(session, principal.tenant_id, mandate_id)
    return _out(mandate, svc.history(session, principal.tenant_id, mandate_id))


@router.post("/mandates", response_model=MandateOut, status_code=201, summary="Record a mandate")
def create_mandate(
    body: MandateCreate,
    request: Request,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = WRITE,
) -> MandateOut:
    cipher = AccountCipher.from_settings(request.app.state.settings)
    data = MandateIn(**body.model_dump())
    mandate = svc.create(session, cipher, principal.tenant_id, data, principal.username)
    audit(
        session,
        principal,
        "mandate.create",
        "mandate",
        mandate.id,
        after={"loan_id": mandate.loan_id, "kind": mandate.kind, "status": mandate.status},
    )
    return _out(mandate, svc.history(session, principal.tenant_id, mandate.id))


@router.post("/mandates/{mandate_id}/cancel", response_model=MandateOut, summary="Cancel")
def cancel_mandate(
    mandate_id: int,
    body: CancelIn,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = WRITE,
) -> MandateOut:
    mandate = svc.cancel(session, principal.tenant_id, mandate_id, body.reason, principal.username)
    audit(
        session,
        principal,
        "mandate.cancel",
        "mandate",
        mandate_id,
        after={"status": mandate.status, "reason": body.reason},
    )
    return _out(mandate, svc.history(session, principal.tenant_id, mandate_id))


class PresentationOut(BaseModel):
    id: int
    counterpart: str
    settlement_date: date
    file_number: str
    filename: str
    status: str
    item_count: int
    total_amount: Amount
    collected: int
    collected_amount: Amount
    returned: int
    returned_amount: Amount
    open: int


@router.get("/nach/presentations", response_model=list[PresentationOut], summary="ACH files")
def list_presentations(
    limit: int = Query(60, le=500),
    offset: int = 0,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = READ,
) -> list[PresentationOut]:
    rows = nach_repository.presentation_summaries(
        session, principal.tenant_id, limit=limit, offset=offset
    )
    return [_presentation(row) for row in rows]


def _presentation(row: dict) -> PresentationOut:
    p = row.pop("presentation")
    base = {
        k: getattr(p, k)
        for k in (
            "id",
            "counterpart",
            "settlement_date",
            "file_number",
            "filename",
            "status",
            "item_count",
            "total_amount",
        )
    }
    return PresentationOut(**base, **row)


class BounceReasonOut(BaseModel):
    reason_code: str
    count: int
    amount: Amount


@router.get("/nach/bounce-reasons", response_model=list[BounceReasonOut], summary="Returns")
def bounce_reasons(
    since: date | None = None,
    session: Session = Depends(get_session, scope="function"),
    principal: Principal = READ,
) -> list[BounceReasonOut]:
    rows = nach_repository.bounce_reasons(session, principal.tenant_id, since)
    return [BounceReasonOut(reason_code=c, count=n, amount=a) for c, n, a in rows]


class AwaitingOut(BaseModel):
    reference: str
    loan_id: int
    mandate_id: int
    due_date: date
    attempt: int
    amount: Amount
    reason_code: str | None
    represent_on: date | None


@router.get(
    "/nach/awaiting-representation",
    response_model=list[AwaitingOut],
    summary="Returned debits scheduled to be presented again",
)
def awaiting(
    session: Session = Depends(get_session, scope="function"), principal: Principal = READ
) -> list:
    rows = nach_repository.scheduled_representations(session, principal.tenant_id)
    return [AwaitingOut.model_validate(i, from_attributes=True) for i in rows]
