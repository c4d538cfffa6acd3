"""Hub operations API: what came in, what went out, what failed and why; replay.

Reads need ``hub:read``; reprocess, replay and counterpart changes need ``hub:operate``
and are audited. Counterpart secrets are never returned (masked ``***``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.integration import connector_metrics as metrics
from hub.integration import counterparts as cp
from hub.integration.api.webhooks import hub_now
from hub.integration.inbox import service as inbox
from hub.integration.outbox import service as outbox
from hub.integration.timeline import timeline
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import NotFound
from hub.platform.http.deps import audit, get_session, require
from lms_core.persistence.integration import (
    counterpart_repository,
    inbox_repository,
    outbox_repository,
)
from lms_core.persistence.platform import job_repository

router = APIRouter(tags=["hub"])
READ = Depends(require(Permission.HUB_READ))
OPERATE = Depends(require(Permission.HUB_OPERATE))


class CounterpartIn(BaseModel):
    code: str = Field(min_length=2, max_length=60, pattern=r"^[a-z0-9_.-]+$")
    kind: str = Field(min_length=2, max_length=60)
    connector: str
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}


class ReplayRange(BaseModel):
    created_from: datetime
    created_to: datetime


def _cipher(request: Request) -> cp.Cipher:
    return cp.Cipher(request.app.state.settings.encryption_key_value())


ITEM_FIELDS = [
    "id",
    "channel",
    "source",
    "document_kind",
    "external_id",
    "filename",
    "size",
    "sha256",
    "status",
    "reason",
    "counts",
    "attempts",
    "received_at",
    "processed_at",
    "refs",
]
MESSAGE_FIELDS = [
    "id",
    "counterpart_id",
    "channel",
    "event_type",
    "message_key",
    "ordering_key",
    "target",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "delivered_at",
    "refs",
]


def _item(i) -> dict[str, Any]:
    return {k: getattr(i, k) for k in ITEM_FIELDS}


def _message(m) -> dict[str, Any]:
    return {k: getattr(m, k) for k in MESSAGE_FIELDS}


@router.get("/hub/inbox", summary="Inbound files, webhooks and batches")
def list_inbox(
    status: str | None = None,
    source: str | None = None,
    limit: int = Query(50, le=500),
    offset: int = 0,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    rows = inbox_repository.list_items(
        session, principal.tenant_id, status=status, source=source, limit=limit, offset=offset
    )
    return [_item(i) for i in rows]


def _inbox_item(session: Session, principal: Principal, item_id: int):
    item = inbox_repository.get(session, principal.tenant_id, item_id)
    if item is None:
        raise NotFound(f"no inbox item {item_id}")
    return item


@router.get("/hub/inbox/{item_id}", summary="One inbound item with its record outcomes")
def get_inbox_item(
    item_id: int,
    limit: int = Query(500, le=10_000),
    offset: int = 0,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    item = _inbox_item(session, principal, item_id)
    rows = inbox_repository.outcomes(
        session, principal.tenant_id, item_id, limit=limit, offset=offset
    )
    records = [
        {
            "line": o.line,
            "outcome": o.outcome,
            "record_key": o.record_key,
            "field": o.field,
            "reason": o.reason,
        }
        for o in rows
    ]
    return {**_item(item), "records": records}


@router.get("/hub/inbox/{item_id}/raw", summary="Download the raw bytes as received")
def download_raw(
    item_id: int,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    item = _inbox_item(session, principal, item_id)
    data = inbox_repository.blob_data(session, principal.tenant_id, item.sha256) or b""
    name = f"inbox-{item.id}.bin"  # why: the sender's file name is never trusted in a header
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{name}"', "x-sha256": item.sha256},
    )


@router.post("/hub/inbox/{item_id}/reprocess", status_code=202, summary="Process an item again")
def reprocess(
    item_id: int,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    inbox.reprocess(session, principal.tenant_id, item_id)
    audit(session, principal, "inbox.reprocess", "inbox_item", item_id)
    return {"inbox_item": item_id, "status": "received"}


@router.get("/hub/outbox", summary="Outbound messages")
def list_outbox(
    status: str | None = None,
    counterpart: str | None = None,
    limit: int = Query(50, le=500),
    offset: int = 0,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    cid = cp.get(session, principal.tenant_id, counterpart).id if counterpart else None
    rows = outbox_repository.list_messages(
        session,
        principal.tenant_id,
        status=status,
        counterpart_id=cid,
        limit=limit,
        offset=offset,
    )
    return [_message(m) for m in rows]


@router.get("/hub/dead-letters", summary="Messages that exhausted their retry policy")
def dead_letters(
    limit: int = Query(50, le=500),
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    rows = outbox_repository.list_messages(session, principal.tenant_id, status="dead", limit=limit)
    return [_message(m) for m in rows]


@router.get("/hub/outbox/{message_id}", summary="One outbound message with its attempts")
def get_message(
    message_id: int,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    message = outbox_repository.get(session, principal.tenant_id, message_id)
    if message is None:
        raise NotFound(f"no outbound message {message_id}")
    attempts = [
        {
            "number": a.number,
            "started_at": a.started_at,
            "duration_ms": a.duration_ms,
            "status_code": a.status_code,
            "outcome": a.outcome,
            "error": a.error,
        }
        for a in outbox_repository.attempts(session, principal.tenant_id, message_id)
    ]
    return {**_message(message), "attempts": attempts}


@router.post("/hub/outbox/{message_id}/replay", status_code=202, summary="Replay a dead letter")
def replay_one(
    message_id: int,
    request: Request,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    outbox.replay_one(session, principal.tenant_id, message_id, hub_now(request))
    audit(session, principal, "outbox.replay", "outbound_message", message_id)
    return {"replayed": [message_id]}


@router.post("/hub/outbox/replay", status_code=202, summary="Replay dead letters in a range")
def replay_range(
    body: ReplayRange,
    request: Request,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    ids = outbox.replay_range(
        session, principal.tenant_id, body.created_from, body.created_to, hub_now(request)
    )
    after = {"from": body.created_from.isoformat(), "to": body.created_to.isoformat(), "ids": ids}
    audit(session, principal, "outbox.replay_range", "outbound_message", "range", after=after)
    return {"replayed": ids}


@router.get("/hub/counterparts", summary="Configured counterparts (secrets masked)")
def list_counterparts(
    request: Request,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    cipher = _cipher(request)
    rows = counterpart_repository.list_for(session, principal.tenant_id)
    return [cp.public_view(r, cipher).__dict__ for r in rows]


@router.post("/hub/counterparts", status_code=201, summary="Configure a counterpart")
def create_counterpart(
    body: CounterpartIn,
    request: Request,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    cipher = _cipher(request)
    row = cp.register(
        session,
        cipher,
        principal.tenant_id,
        body.code,
        kind=body.kind,
        connector=body.connector,
        config=body.config,
        secrets=body.secrets,
    )
    view = cp.public_view(row, cipher).__dict__
    audit(session, principal, "counterpart.create", "counterpart", body.code, after=view)
    return view


@router.post("/hub/counterparts/{code}/enable", summary="Enable a counterpart again")
def enable_counterpart(
    code: str,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    row = cp.get(session, principal.tenant_id, code)
    before = {"enabled": row.enabled, "disabled_reason": row.disabled_reason}
    cp.set_enabled(session, row, True, None)
    audit(session, principal, "counterpart.enable", "counterpart", code, before, {"enabled": True})
    return {"code": code, "enabled": True}


@router.get("/hub/health", summary="Connector health and backlog per counterpart")
def connector_health(
    principal: Principal = READ, session: Session = Depends(get_session, scope="function")
) -> list[dict[str, Any]]:
    inbound = inbox_repository.backlog(session, principal.tenant_id)
    outbound_by_id = outbox_repository.backlog(session, principal.tenant_id)
    rows = counterpart_repository.list_for(session, principal.tenant_id)
    outbound = {r.code: outbound_by_id.get(r.id, 0) for r in rows}
    metrics.refresh_backlog(inbound, outbound)
    return [
        {
            "code": r.code,
            "kind": r.kind,
            "connector": r.connector,
            "enabled": r.enabled,
            "disabled_reason": r.disabled_reason,
            "inbound_backlog": inbound.get(r.code, 0),
            "outbound_backlog": outbound[r.code],
        }
        for r in rows
    ]


@router.get("/hub/jobs", summary="Recent job runs")
def job_runs(
    status: str | None = None,
    limit: int = Query(50, le=500),
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return job_repository.job_runs(
        session, task_prefix="sangam:", status=status, limit=limit, tenant_id=principal.tenant_id
    )


@router.get("/timeline/{object_type}/{object_id}", summary="Messages about one business object")
def object_timeline(
    object_type: str,
    object_id: str,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return [e.__dict__ for e in timeline(session, principal.tenant_id, object_type, object_id)]
