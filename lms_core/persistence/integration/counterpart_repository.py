"""SQL for counterparts: the partner systems each tenant is configured to talk to.

``secrets`` is stored as the hub hands it over (a Fernet token); this module never sees
a clear secret.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from lms_core.persistence.integration.models import Counterpart


def create(
    session: Session,
    tenant_id: int,
    code: str,
    kind: str,
    connector: str,
    config: dict[str, Any],
    secrets_token: str | None,
    enabled: bool = True,
) -> Counterpart:
    row = Counterpart(
        tenant_id=tenant_id,
        code=code,
        kind=kind,
        connector=connector,
        config=config,
        secrets=secrets_token,
        enabled=enabled,
    )
    session.add(row)
    session.flush()
    return row


def by_code(session: Session, tenant_id: int, code: str) -> Counterpart | None:
    return session.scalar(
        select(Counterpart).where(Counterpart.tenant_id == tenant_id, Counterpart.code == code)
    )


def by_id(session: Session, counterpart_id: int) -> Counterpart | None:
    return session.get(Counterpart, counterpart_id)


def list_for(session: Session, tenant_id: int) -> list[Counterpart]:
    return list(
        session.scalars(
            select(Counterpart).where(Counterpart.tenant_id == tenant_id).order_by(Counterpart.code)
        )
    )


def update_config(
    session: Session,
    counterpart_id: int,
    *,
    config: dict[str, Any] | None = None,
    secrets_token: str | None = None,
) -> None:
    values: dict[str, Any] = {}
    if config is not None:
        values["config"] = config
    if secrets_token is not None:
        values["secrets"] = secrets_token
    if values:
        session.execute(update(Counterpart).where(Counterpart.id == counterpart_id).values(values))


def set_enabled(session: Session, counterpart_id: int, enabled: bool, reason: str | None) -> None:
    """Enable or disable a counterpart (e.g. its endpoint answered 410 Gone)."""
    session.execute(
        update(Counterpart)
        .where(Counterpart.id == counterpart_id)
        .values(enabled=enabled, disabled_reason=None if enabled else reason)
    )


def with_config_key(session: Session, *keys: str) -> list[Counterpart]:
    """Return every tenant's counterparts whose config has any of ``keys`` (e.g. ``poll_cron``)."""
    return list(
        session.scalars(
            select(Counterpart)
            .where(Counterpart.config.has_any(array(keys)))
            .order_by(Counterpart.tenant_id, Counterpart.code)
        )
    )
