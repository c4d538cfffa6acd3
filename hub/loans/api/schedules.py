"""Schedule preview: the public contract of the calculation engine (docs/SCHEDULE_CONTRACT.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import FieldProblem, Unprocessable
from hub.platform.http.deps import require
from lms_core.terms_json import preview_schedule

router = APIRouter(tags=["schedules"])

EXAMPLE = {
    "principal": "20000",
    "currency": "INR",
    "annual_rate": "15",
    "tenure": 24,
    "frequency": "monthly",
    "disbursement_date": "2024-01-01",
    "first_due_date": "2024-02-01",
    "fees": [{"name": "processing", "amount": "240", "payable_to": "lender", "upfront": True}],
}


def preview_or_problems(payload: Any) -> dict[str, Any]:
    """Return the preview; raises Unprocessable listing every problem with the terms."""
    result, problems = preview_schedule(payload)
    if result is None:
        raise Unprocessable(
            f"{len(problems)} problem(s) in the terms",
            problems=[FieldProblem(p.field, p.message) for p in problems],
        )
    return result


@router.post("/schedules/preview", summary="Repayment schedule, APR and totals for loan terms")
async def preview(
    request: Request,
    _example: dict[str, Any] = Body(default=None, examples=[EXAMPLE]),
    principal: Principal = Depends(require(Permission.SCHEDULE_PREVIEW)),
) -> dict[str, Any]:
    # Parse the raw body ourselves so JSON numbers become Decimal, never float.
    try:
        payload = json.loads(await request.body(), parse_float=Decimal)
    except ValueError as exc:
        raise Unprocessable(f"body is not JSON: {exc}") from None
    return preview_or_problems(payload)
