"""File-exchange operations: expected-file alerts, and "pick up now" for a counterpart.

Reading alerts needs ``hub:read``; acknowledging one or asking for an immediate pickup
needs ``hub:operate`` and is audited. A pickup request enqueues the same durable job the
scheduler runs, so it is retried and logged like any scheduled poll.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy.orm import Session

from connectors.sdk.base import ConnectorKind
from hub.integration import counterparts as cp
from hub.integration.api.webhooks import hub_now
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, NotFound
from hub.platform.http.deps import audit, get_session, require
from lms_core.persistence.integration import alert_repository
from lms_core.persistence.platform import job_repository

router = APIRouter(tags=["hub"])
READ = Depends(require(Permission.HUB_READ))
OPERATE = Depends(require(Permission.HUB_OPERATE))
ALERT_FIELDS = (
    "id",
    "kind",
    "key",
    "subject",
    "detail",
    "raised_at",
    "resolved_at",
    "resolution",
    "acknowledged_by",
    "acknowledged_at",
)


def _alert(row) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ALERT_FIELDS}


@router.get("/hub/alerts", summary="Operational alerts (e.g. files not arrived by cut-off)")
def alerts(
    open_only: bool = True,
    principal: Principal = READ,
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    return [_alert(r) for r in alert_repository.listing(session, principal.tenant_id, open_only)]


@router.post("/hub/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert")
def acknowledge(
    alert_id: int,
    request: Request,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    row = alert_repository.acknowledge(
        session, principal.tenant_id, alert_id, principal.username, hub_now(request)
    )
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    after = {"key": row.key, "acknowledged_by": row.acknowledged_by}
    audit(session, principal, "alert.acknowledge", "hub_alert", str(alert_id), None, after)
    return _alert(row)


@router.post(
    "/hub/counterparts/{code}/pickup",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Pick up the counterpart's ready files now (enqueues the pickup job)",
)
def pickup_now(
    code: str,
    principal: Principal = OPERATE,
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    row = cp.get(session, principal.tenant_id, code)
    if cp.connector_class(row.connector).kind is not ConnectorKind.FILE_PICKUP:
        raise Conflict(f"counterpart {code!r} does not pick files up ({row.connector})")
    job_id = job_repository.defer(
        session,
        "sangam:file_pickup",
        {"tenant_id": principal.tenant_id, "counterpart": code},
        queue="inbox",
        lock=f"file_pickup:{principal.tenant_id}:{code}",
    )
    audit(session, principal, "counterpart.pickup", "counterpart", code, None, {"job": job_id})
    return {"counterpart": code, "job_id": job_id}
