"""Servicing API: products (versioned), loans, disbursement, repayments, reversals, end-of-day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from hub.loans import booking, repayment_batcher, views
from hub.loans.repayment_batch import SinglePayment
from hub.loans.repayments import Channel, reverse_repayment
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.eod import tasks as eod_jobs
from hub.platform.eod.runner import run_status as eod_status
from hub.platform.errors import NotFound
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Amount, Rate
from lms_core.persistence.loans import loan_repository

router = APIRouter(tags=["servicing"])


class DpdBucketIn(BaseModel):
    label: str = Field(min_length=1, max_length=20)
    min_dpd: int = Field(ge=0)
    max_dpd: int | None = Field(default=None, ge=0)


class ProductIn(BaseModel):
    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9_]+$")
    name: str
    terms_defaults: dict[str, Any] = Field(
        default_factory=dict, description="defaults for the schedule contract"
    )
    min_amount: Amount = Decimal("1000")
    max_amount: Amount = Decimal("100000000")
    min_tenure: int = Field(default=1, ge=1)
    max_tenure: int = Field(default=360, ge=1)
    min_rate: Rate = Decimal("0")
    max_rate: Rate = Decimal("60")
    frequencies: list[str] = ["monthly"]
    rate_type: Literal["fixed", "floating"] = "fixed"
    benchmark: str | None = None
    spread: Rate = Decimal("0")
    reset_months: int = 0
    bounce_fee: Amount = Decimal("0")
    late_fee: Amount = Decimal("0")
    late_fee_after_days: int = 0
    penal_rate: Rate = Decimal("0")
    grace_days: int = Field(default=0, ge=0)
    prepayment_charge_percent: Rate = Decimal("0")
    foreclosure_charge_percent: Rate = Decimal("0")
    waterfall: dict[Literal["standard", "npa", "written_off", "settlement"], str] = Field(
        default_factory=dict
    )
    excess_handling: Literal["advance", "reduce_principal", "next_installments"] = "advance"
    prepayment_policy: Literal["reduce_tenor", "reduce_emi"] = "reduce_tenor"
    npa_dpd: int = Field(default=90, ge=1)
    dpd_buckets: list[DpdBucketIn] | None = Field(
        default=None, description="delinquency buckets, e.g. 0, 1-30, 31-60, 61-90, 90+"
    )
    write_off_dpd: int | None = Field(default=None, ge=1, description="minimum DPD to write off")
    charges_gst_percent: Rate = Field(
        default=Decimal("0"), description="GST on prepayment / foreclosure charges"
    )
    reset_recompute: Literal["keep_tenor", "keep_installment"] = Field(
        default="keep_tenor", description="what a floating-rate reset changes: EMI or tenure"
    )
    restructure_keeps_standard: bool = Field(
        default=False,
        description="a restructured standard account stays standard (only where a "
        "resolution framework allows it); RBI's default downgrades it to NPA",
    )
    restructure_dpd_tolerance: int = Field(
        default=0, ge=0, description="DPD allowed in the specified period (RBI: 0)"
    )
    restructure_repaid_percent: Rate = Field(
        default=Decimal("10"),
        description="share of the restructured debt repaid that "
        "ends the specified period (not before one year from the first payment)",
    )

    @model_validator(mode="after")
    def _buckets_cover_every_dpd(self) -> ProductIn:
        buckets = self.dpd_buckets or []
        for n, (prev, nxt) in enumerate(pairwise(buckets), start=1):
            if prev.max_dpd is None or nxt.min_dpd != prev.max_dpd + 1:
                raise ValueError(f"dpd_buckets[{n}] must start at the day after bucket {n - 1}")
        if buckets and (buckets[0].min_dpd != 0 or buckets[-1].max_dpd is not None):
            raise ValueError("dpd_buckets must start at 0 and end open-ended (max_dpd null)")
        return self


class ProductOut(BaseModel):
    id: int
    code: str
    version: int
    name: str
    rules: dict[str, Any]


class PartyModel(BaseModel):
    role: Literal["borrower", "co_borrower", "guarantor"]
    name: str
    mobile: str | None = None
    pan: str | None = Field(default=None, pattern=r"^[A-Z]{5}[0-9]{4}[A-Z]$")


class LoanIn(BaseModel):
    product: str
    terms: dict[str, Any] = Field(
        description="schedule contract fields; the product's defaults fill the rest"
    )
    parties: list[PartyModel] = Field(min_length=1)
    external_ref: str | None = None


class RepaymentBody(BaseModel):
    amount: Amount
    currency: str = "INR"
    channel: Channel = Channel.NEFT
    value_date: date | None = None
    reference: str | None = None


class ReverseBody(BaseModel):
    reason: str = Field(min_length=3)
    bounce: bool = False


class PayoutBody(BaseModel):
    utr: str = Field(min_length=6, max_length=40)


def _loan(session: Session, principal: Principal, loan_id: int):
    loan = loan_repository.get_loan(session, principal.tenant_id, loan_id)
    if loan is None:
        raise NotFound(f"loan {loan_id} not found")
    return loan


def _product_out(p) -> ProductOut:
    return ProductOut(id=p.id, code=p.code, version=p.version, name=p.name, rules=p.rules)


@router.get("/products", response_model=list[ProductOut], summary="Product versions")
def list_products(
    principal: Principal = Depends(require(Permission.PRODUCT_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[ProductOut]:
    return [_product_out(p) for p in loan_repository.products(session, principal.tenant_id)]


@router.post(
    "/products",
    response_model=ProductOut,
    status_code=201,
    summary="Create a product, or its next version (loans keep the version they were booked under)",
)
def create_product(
    body: ProductIn,
    principal: Principal = Depends(require(Permission.PRODUCT_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> ProductOut:
    rules = body.model_dump(mode="json", exclude={"code", "name"})
    for optional in ("waterfall", "dpd_buckets", "write_off_dpd"):
        if not rules[optional]:
            rules.pop(optional)
    product = loan_repository.create_product_version(
        session, principal.tenant_id, body.code, body.name, rules
    )
    audit(session, principal, "product.create", "product", product.id, None, rules)
    return _product_out(product)


@router.post("/loans", status_code=201, summary="Book a loan from terms (pending until disbursed)")
def create_loan(
    body: LoanIn,
    principal: Principal = Depends(require(Permission.LOAN_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    parties = [booking.PartyIn(p.role, p.name, p.mobile, p.pan) for p in body.parties]
    loan = booking.book_loan(
        session,
        principal.tenant_id,
        body.product,
        body.terms,
        parties,
        external_ref=body.external_ref,
    )
    audit(
        session,
        principal,
        "loan.book",
        "loan",
        loan.id,
        None,
        {"product": body.product, "terms": loan.terms},
    )
    return views.summary(session, principal.tenant_id, loan)


@router.get("/loans", summary="Loans of my tenant")
def list_loans(
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    rows = loan_repository.list_loans(
        session, principal.tenant_id, status=status, limit=min(limit, 1000), offset=offset
    )
    return [
        {
            "id": r.id,
            "loan_number": r.loan_number,
            "status": r.status,
            "principal": f"{r.principal:.2f}",
            "dpd": r.dpd,
            "asset_class": r.asset_class,
        }
        for r in rows
    ]


@router.get("/loans/{loan_id}", summary="Loan summary: outstanding, overdue, DPD, next due")
def get_loan(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return views.summary(session, principal.tenant_id, _loan(session, principal, loan_id))


@router.get("/loans/{loan_id}/schedule", summary="Schedule with paid status")
def get_schedule(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return views.schedule(session, _loan(session, principal, loan_id))


@router.get("/loans/{loan_id}/transactions", summary="Repayments, with their status")
def get_transactions(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return views.transactions(session, _loan(session, principal, loan_id))


@router.get("/loans/{loan_id}/ledger", summary="The loan's ledger postings")
def get_ledger(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LEDGER_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return views.ledger_entries(session, principal.tenant_id, _loan(session, principal, loan_id))


@router.get("/loans/{loan_id}/statement", summary="Statement of account for a period")
def get_statement(
    loan_id: int,
    start: date,
    end: date,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return views.statement(
        session, principal.tenant_id, _loan(session, principal, loan_id), start, end
    )


@router.post("/loans/{loan_id}/disburse", summary="Disburse a pending loan")
def disburse(
    loan_id: int,
    principal: Principal = Depends(require(Permission.LOAN_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    loan = booking.disburse(session, principal.tenant_id, loan_id, principal.username)
    audit(
        session,
        principal,
        "loan.disburse",
        "loan",
        loan.id,
        {"status": "pending"},
        {"status": loan.status},
    )
    return views.summary(session, principal.tenant_id, loan)


@router.post("/loans/{loan_id}/payout", summary="Confirm the payout with its UTR")
def payout(
    loan_id: int,
    body: PayoutBody,
    principal: Principal = Depends(require(Permission.LOAN_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    journal_id = booking.confirm_payout(
        session, principal.tenant_id, loan_id, body.utr, principal.username
    )
    audit(
        session,
        principal,
        "loan.payout",
        "loan",
        loan_id,
        None,
        {"utr": body.utr, "journal": journal_id},
    )
    return {"loan_id": loan_id, "utr": body.utr, "journal_id": journal_id}


@router.post(
    "/loans/{loan_id}/repayments",
    status_code=201,
    summary="Post a repayment (send Idempotency-Key; back-dated value dates recompute forward)",
)
async def create_repayment(
    loan_id: int,
    body: RepaymentBody,
    request: Request,
    principal: Principal = Depends(require(Permission.REPAYMENT_POST)),
    fingerprint: str = Depends(repayment_batcher.request_fingerprint),
):
    # Concurrent payments are posted together (group commit), see hub.loans.repayment_batcher.
    # async: the request waits for its batch without a thread; no session unless the
    # batch leaves it to the one-by-one path.
    payment = SinglePayment(
        loan_id, body.amount, body.currency, str(body.channel), body.value_date, body.reference
    )
    return await repayment_batcher.post(
        request, principal, fingerprint, payment, body.model_dump(mode="json")
    )


@router.post(
    "/repayments/{repayment_id}/reverse",
    summary="Reverse a repayment (a bounce charges the product's fee)",
)
def reverse(
    repayment_id: int,
    body: ReverseBody,
    principal: Principal = Depends(require(Permission.REPAYMENT_POST)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    rep = reverse_repayment(
        session,
        principal.tenant_id,
        repayment_id,
        body.reason,
        principal.username,
        bounce=body.bounce,
    )
    audit(
        session,
        principal,
        "repayment.reverse",
        "repayment",
        rep.id,
        {"status": "posted"},
        {"status": rep.status, "reason": body.reason},
    )
    return {"id": rep.id, "status": rep.status}


@router.post(
    "/eod",
    status_code=202,
    summary="Start end-of-day for my tenant's business date (workers close it, then advance it)",
)
def eod(
    request: Request,
    principal: Principal = Depends(require(Permission.EOD_RUN)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    run = eod_jobs.start(
        session, principal.tenant_id, request.app.state.settings.eod_partition_size
    )
    audit(session, principal, "eod.start", "eod_run", run.id, None, {"status": run.status})
    return eod_status(session, run)
