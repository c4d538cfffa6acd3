"""The audit log, as services write it: who did what to which entity, in the same transaction.

Services and routes alike call :func:`record`; the row joins the tenant's hash chain
(``audit_repository.append``), so an edit of history shows in ``sangam verify``. The
request id (set by the HTTP middleware, or ``None`` in a job) ties the row to the log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.platform.auth.security import Principal
from hub.platform.observability import request_id_var
from lms_core.persistence.platform import audit_repository


def record(
    session: Session,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Record a write in the audit log, in the same transaction as the write."""
    audit_repository.append(
        session,
        principal.tenant_id,
        principal.username,
        action,
        entity_type,
        str(entity_id),
        before,
        after,
        request_id_var.get(),
    )
