"""Inbound webhooks: ``POST /api/v1/webhooks/{tenant}/{source}`` (or ``/{source}`` for the
default tenant).

Authenticated by the sender's signature, not a JWT: the counterpart named by ``source``
must be configured with an inbound-webhook connector, whose ``verify`` checks the
signature and timestamp over the exact raw bytes. Then the body is stored raw in the
inbox, unique on ``(source, event id)``, and answered 202; processing is enqueued in the
same transaction only when the event is new. A duplicate is acknowledged (202,
``duplicate: true``) and ignored.

A delivery that fails verification gets 401 and is kept as a *rejected* inbox item with
the reason (operators see forged or mis-signed traffic; it is never processed).
Unknown tenant or source: 404 problem, nothing stored (there is no one to attribute it to).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from connectors.sdk.base import ConnectorKind
from connectors.sdk.transport.errors import FatalError
from hub.integration.counterparts import Cipher, connector_for
from hub.integration.inbox import service as inbox
from hub.platform.errors import NotFound, Unauthorized
from hub.platform.http.deps import get_session
from lms_core.integration.enums import Channel
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.platform import tenant_repository

router = APIRouter(tags=["webhooks"])
KEPT_HEADERS = ("webhook-id", "webhook-timestamp", "content-type", "user-agent")

# Paths authenticated by signature instead of a bearer token (see the API shell test).
SIGNATURE_AUTHENTICATED = {"/api/v1/webhooks/{source}", "/api/v1/webhooks/{tenant}/{source}"}


async def raw_body(request: Request) -> bytes:
    return await request.body()


def hub_now(request: Request) -> datetime:
    """The hub's clock: ``app.state.hub_clock`` when a test sets one, else the wall clock."""
    clock = getattr(request.app.state, "hub_clock", None)
    return clock() if clock else datetime.now(UTC)


@router.post("/webhooks/{source}", status_code=202, summary="Receive a webhook (default tenant)")
def receive_default(
    source: str,
    request: Request,
    body: bytes = Depends(raw_body),
    session: Session = Depends(get_session, scope="function"),
):
    tenant = request.app.state.settings.default_tenant
    return _receive(request, session, tenant, source, body)


@router.post("/webhooks/{tenant}/{source}", status_code=202, summary="Receive a webhook")
def receive(
    tenant: str,
    source: str,
    request: Request,
    body: bytes = Depends(raw_body),
    session: Session = Depends(get_session, scope="function"),
):
    return _receive(request, session, tenant, source, body)


def _receive(request: Request, session: Session, tenant_code: str, source: str, body: bytes):
    tenant = tenant_repository.by_code(session, tenant_code)
    row = tenant and counterpart_repository.by_code(session, tenant.id, source)
    if not row or not row.enabled:
        raise NotFound(f"no webhook source {source!r}")
    cipher = Cipher(request.app.state.settings.encryption_key_value())
    connector = connector_for(cipher, row)
    if connector.kind is not ConnectorKind.INBOUND_WEBHOOK:
        raise NotFound(f"no webhook source {source!r}")
    now = hub_now(request)
    headers = dict(request.headers)
    try:
        event_id = connector.verify(headers, body, now.timestamp())
    except FatalError as exc:
        return _refused(request, session, tenant.id, row.id, source, body, headers, str(exc), now)
    received = inbox.receive(
        session,
        tenant_id=tenant.id,
        channel=Channel.WEBHOOK,
        source=source,
        counterpart_id=row.id,
        document_kind=connector.document_kind(headers, body),
        data=body,
        external_id=event_id,
        headers={k: headers[k] for k in KEPT_HEADERS if k in headers},
        now=now,
    )
    return {"inbox_item": received.item_id, "duplicate": received.duplicate}


def _refused(request, session, tenant_id, counterpart_id, source, body, headers, reason, now):
    inbox.record_rejected(
        session,
        tenant_id=tenant_id,
        channel=Channel.WEBHOOK,
        source=source,
        counterpart_id=counterpart_id,
        data=body,
        reason=f"verification failed: {reason}",
        headers={k: headers[k] for k in KEPT_HEADERS if k in headers},
        now=now,
    )
    # Returned, not raised: the rejected record must commit with this response.
    problem = Unauthorized(f"webhook verification failed: {reason}")
    return JSONResponse(
        problem.to_problem(instance=request.url.path),
        status_code=401,
        media_type="application/problem+json",
    )
