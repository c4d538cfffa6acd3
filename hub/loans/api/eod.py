"""End-of-day runs (status, failed loans) and benchmark rates for floating-rate loans.

``POST /api/v1/eod`` (in the servicing router) starts a run; here an operator follows it
and publishes the benchmark rates that floating loans reset to.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.eod import runner as eod
from hub.platform.errors import NotFound
from hub.platform.http.deps import audit, get_session, require
from hub.platform.http.schemas import Rate
from lms_core.persistence.platform import eod_repository

router = APIRouter(tags=["end-of-day"])


@router.get("/eod/runs/{run_id}", summary="An end-of-day run: progress and failed loans")
def eod_run(
    run_id: int,
    principal: Principal = Depends(require(Permission.LOAN_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    run = eod_repository.run_by_id(session, run_id)
    if run is None or run.tenant_id != principal.tenant_id:
        raise NotFound(f"end-of-day run {run_id} not found")
    return eod.run_status(session, run)


class BenchmarkRateIn(BaseModel):
    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9_]+$")
    effective_date: date
    rate: Rate


def _rate_out(row) -> dict[str, Any]:
    return {"code": row.code, "effective_date": row.effective_date, "rate": str(row.rate)}


@router.post("/benchmark-rates", status_code=201, summary="Publish a benchmark rate")
def publish_benchmark_rate(
    body: BenchmarkRateIn,
    principal: Principal = Depends(require(Permission.PRODUCT_WRITE)),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    before = eod_repository.rate_on(session, principal.tenant_id, body.code, body.effective_date)
    row = eod_repository.publish_rate(
        session, principal.tenant_id, body.code, body.effective_date, Decimal(body.rate)
    )
    audit(
        session,
        principal,
        "benchmark_rate.publish",
        "benchmark_rate",
        row.id,
        {"rate": str(before)} if before is not None else None,
        _rate_out(row) | {"effective_date": str(row.effective_date)},
    )
    return _rate_out(row)


@router.get("/benchmark-rates", summary="Published benchmark rates")
def list_benchmark_rates(
    principal: Principal = Depends(require(Permission.PRODUCT_READ)),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return [_rate_out(r) for r in eod_repository.rates(session, principal.tenant_id)]
