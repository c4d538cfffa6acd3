"""Break desk API: the queue of reconciliation breaks and everything done to work them.

Reads need ``recon:read``; assigning, commenting, matching by hand, undoing a match and
asking for an adjustment / write-off need ``recon:resolve``; approving or rejecting a
request above the threshold and changing the threshold need ``recon:approve`` (and the
approver must not be the maker). Every write is audited. Money crosses as decimal strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.http.deps import get_session, require
from hub.platform.http.schemas import Amount
from hub.recon import desk, desk_export, desk_match, desk_resolution, desk_summary
from hub.recon.desk import QueueFilter
from lms_core.persistence.recon import desk_repository as repo

router = APIRouter(prefix="/recon/desk", tags=["recon desk"])
READ = Depends(require(Permission.RECON_READ))
RESOLVE = Depends(require(Permission.RECON_RESOLVE))
APPROVE = Depends(require(Permission.RECON_APPROVE))
EXPORT_LIMIT = 100_000


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BreakRowOut(_Out):
    id: int
    side: str
    reason: str
    detail: str
    amount: Amount
    direction: str
    opened_on: date
    age: int
    bucket: str
    status: str
    account: str | None
    source: str | None
    partner: str | None
    reference: str | None
    item_date: date | None
    assigned_to: str | None
    root_cause: str | None
    resolution: str | None
    pending_approval: bool


class BucketOut(_Out):
    label: str
    count: int
    amount: Amount


class QueueOut(_Out):
    business_date: date
    buckets: list[BucketOut]
    rows: list[BreakRowOut]


class CandidateOut(_Out):
    side: str
    id: int
    amount: Amount
    on: date
    reference: str | None
    counterparty: str | None
    score: int
    why: str


class CommentOut(_Out):
    id: int
    author: str
    body: str
    created_at: datetime


class ResolutionOut(_Out):
    id: int
    break_id: int
    kind: str
    reason_code: str
    amount: Amount
    note: str
    status: str
    maker: str
    checker: str | None
    journal_id: int | None


class SuggestionOut(_Out):
    id: int
    rule: str
    actual_ids: list[int]
    expected_ids: list[int]
    note: str


class BreakOut(_Out):
    row: BreakRowOut
    item: dict[str, Any]
    candidates: list[CandidateOut]
    suggestions: list[SuggestionOut]
    comments: list[CommentOut]
    resolutions: list[ResolutionOut]


class GroupOut(_Out):
    id: int
    rule: str
    strategy: str
    variance: Amount
    status: str
    created_by: str
    undone_by: str | None


class AssignIn(BaseModel):
    username: str | None = None


class RootCauseIn(BaseModel):
    root_cause: str


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=4000)


class ResolutionIn(BaseModel):
    kind: str
    reason_code: str
    amount: Amount | None = None
    note: str = ""


class DecisionIn(BaseModel):
    note: str = ""


class MatchIn(BaseModel):
    actual_ids: list[int]
    expected_ids: list[int]
    note: str = ""


class SettingsIn(BaseModel):
    approval_threshold: Amount


class SettingsOut(BaseModel):
    approval_threshold: Amount


def queue_filter(
    status: str | None = Query("open"),
    side: str | None = None,
    reason: str | None = None,
    account: str | None = None,
    source: str | None = None,
    partner: str | None = None,
    direction: str | None = None,
    assigned_to: str | None = None,
    min_amount: Amount | None = None,
    max_amount: Amount | None = None,
    min_age: int | None = Query(None, ge=0),
    max_age: int | None = Query(None, ge=0),
) -> QueueFilter:
    """The queue's filters from the query string (``status=`` empty means any status)."""
    return QueueFilter(
        status or None, side, reason, account, source, partner, direction, assigned_to,
        min_amount, max_amount, min_age, max_age,
    )  # fmt: skip


@router.get("/breaks", response_model=QueueOut)
def list_breaks(
    f: QueueFilter = Depends(queue_filter),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
):
    """The filtered queue (oldest first) with ageing buckets of the whole filtered queue."""
    return desk.queue_view(session, principal.tenant_id, f, limit=limit, offset=offset)


@router.get("/breaks/export")
def export_breaks(
    f: QueueFilter = Depends(queue_filter),
    fmt: Literal["csv", "xlsx"] = Query("csv", alias="format"),
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    """The filtered queue as CSV or Excel (up to 100,000 rows)."""
    view = desk.queue_view(session, principal.tenant_id, f, limit=EXPORT_LIMIT)
    name = f"breaks_{view.business_date:%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        data = desk_export.queue_xlsx(view.rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, media = desk_export.queue_csv(view.rows), "text/csv; charset=utf-8"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=media, headers=headers)


def _item_dict(item: Any) -> dict[str, Any]:
    keys = [c.key for c in item.__table__.columns]
    values = {k: getattr(item, k) for k in keys}
    values["amount"] = f"{item.amount:.2f}"
    return values


@router.get("/breaks/{break_id}", response_model=BreakOut)
def get_break(
    break_id: int,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
):
    """One break with its item, ranked candidates, the engine's suggestions, comments and
    adjustment / write-off requests."""
    view = desk.break_view(session, principal.tenant_id, break_id)
    return BreakOut(
        row=BreakRowOut.model_validate(view.row),
        item=_item_dict(view.item),
        candidates=[CandidateOut.model_validate(c) for c in view.candidates],
        suggestions=[SuggestionOut.model_validate(s) for s in view.suggestions],
        comments=[CommentOut.model_validate(c) for c in view.comments],
        resolutions=[ResolutionOut.model_validate(r) for r in view.resolutions],
    )


def _row(session: Session, principal: Principal, break_id: int) -> BreakRowOut:
    return BreakRowOut.model_validate(desk.break_view(session, principal.tenant_id, break_id).row)


@router.post("/breaks/{break_id}/assign", response_model=BreakRowOut)
def assign(
    break_id: int,
    body: AssignIn,
    principal: Principal = RESOLVE,
    session: Session = Depends(get_session, scope="function"),
):
    desk.assign(session, principal, break_id, body.username)
    return _row(session, principal, break_id)


@router.post("/breaks/{break_id}/root-cause", response_model=BreakRowOut)
def root_cause(
    break_id: int,
    body: RootCauseIn,
    principal: Principal = RESOLVE,
    session: Session = Depends(get_session, scope="function"),
):
    desk.set_root_cause(session, principal, break_id, body.root_cause)
    return _row(session, principal, break_id)


@router.post("/breaks/{break_id}/comments", response_model=CommentOut, status_code=201)
def add_comment(
    break_id: int,
    body: CommentIn,
    principal: Principal = RESOLVE,
    session: Session = Depends(get_session, scope="function"),
):
    return desk.comment(session, principal, break_id, body.body)


@router.post("/breaks/{break_id}/resolutions", response_model=ResolutionOut, status_code=201)
def request_resolution(
    break_id: int,
    body: ResolutionIn,
    principal: Principal = RESOLVE,
    session: Session = Depends(get_session, scope="function"),
):
    """Ask for an adjustment / write-off: applied at once up to the approval threshold,
    else ``pending`` until a second user approves."""
    return desk_resolution.request_resolution(
        session, principal, break_id, kind=body.kind, reason_code=body.reason_code,
        amount=body.amount, note=body.note,
    )  # fmt: skip


@router.get("/resolutions", response_model=list[ResolutionOut])
def pending(principal: Principal = READ, session: Session = Depends(get_session, scope="function")):
    """Requests waiting for a checker."""
    return repo.pending_resolutions(session, principal.tenant_id)


@router.post("/resolutions/{resolution_id}/approve", response_model=ResolutionOut)
def approve(
    resolution_id: int,
    body: DecisionIn,
    principal: Principal = APPROVE,
    session: Session = Depends(get_session, scope="function"),
):
    return desk_resolution.approve(session, principal, resolution_id, body.note)


@router.post("/resolutions/{resolution_id}/reject", response_model=ResolutionOut)
def reject(
    resolution_id: int,
    body: DecisionIn,
    principal: Principal = APPROVE,
    session: Session = Depends(get_session, scope="function"),
):
    return desk_resolution.reject(session, principal, resolution_id, body.note)


@router.post("/matches", response_model=GroupOut, status_code=201)
def manual_match(
    body: MatchIn,
    principal: Principal = RESOLVE,
    session: Session = Depends(get_session, scope="function"),
):
    """Match statement lines and expected items by hand (claimed atomically)."""
    return desk_match.manual_match(
        session, principal, body.actual_ids, body.expected_ids, body.note
    )


@router.post("/matches/{group_id}/undo", response_model=GroupOut)
def undo_match(
    group_id: int,
    body: DecisionIn,
    principal: Principal = RESOLVE,
    session: Session = Depends(get_session, scope="function"),
):
    """Undo a match; its items return to the queue as open breaks."""
    return desk_match.unmatch(session, principal, group_id, body.note)


@router.get("/summary")
def summary(
    principal: Principal = READ, session: Session = Depends(get_session, scope="function")
) -> dict[str, Any]:
    """Match rate, open breaks, breaks by status and reason, mean days to resolve, runs."""
    s = desk_summary.summary(session, principal.tenant_id)
    return {
        "actual_items": s.actual_items,
        "matched_items": s.matched_items,
        "match_rate_percent": f"{s.match_rate:.2f}",
        "open_breaks": s.open_breaks,
        "open_amount": f"{s.open_amount:.2f}",
        "days_to_resolve": None if s.days_to_resolve is None else f"{s.days_to_resolve:.2f}",
        "by_reason": [
            {"status": x.status, "reason": x.reason, "count": x.count, "amount": f"{x.amount:.2f}"}
            for x in s.by_reason
        ],
        "runs": s.runs,
    }


@router.get("/settings", response_model=SettingsOut)
def get_settings(
    principal: Principal = READ, session: Session = Depends(get_session, scope="function")
):
    return SettingsOut(
        approval_threshold=desk_resolution.approval_threshold(session, principal.tenant_id)
    )


@router.put("/settings", response_model=SettingsOut)
def put_settings(
    body: SettingsIn,
    principal: Principal = APPROVE,
    session: Session = Depends(get_session, scope="function"),
):
    """Set the amount above which an adjustment / write-off needs a second user."""
    value = desk_resolution.set_approval_threshold(session, principal, body.approval_threshold)
    return SettingsOut(approval_threshold=value)
