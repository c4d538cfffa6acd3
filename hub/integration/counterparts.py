"""Counterparts: the partner systems a tenant talks to, their config and their secrets.

Secrets are encrypted at rest with Fernet (the key is ``settings.encryption_key_value()``)
as one token per counterpart. They are decrypted only to build a connector
(:func:`connector_for`); :func:`public_view` shows every secret as ``"***"``, so the API,
the logs and the audit log never carry one. The service never commits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from connectors.sdk import registry
from connectors.sdk.base import Connector, validate_config
from connectors.sdk.registry import UnknownConnector
from connectors.sdk.transport.errors import FatalError
from hub.platform.errors import Conflict, NotFound, Unprocessable
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.integration.models import Counterpart

MASK = "***"


@dataclass(frozen=True)
class Cipher:
    """Fernet encryption of a counterpart's secrets (a dict) into one text token."""

    key: str

    def seal(self, secrets: Mapping[str, Any]) -> str | None:
        if not secrets:
            return None
        return Fernet(self.key.encode()).encrypt(json.dumps(dict(secrets)).encode()).decode()

    def open(self, token: str | None) -> dict[str, Any]:
        """Return the clear secrets; raises FatalError if the token does not decrypt."""
        if not token:
            return {}
        try:
            return json.loads(Fernet(self.key.encode()).decrypt(token.encode()))
        except InvalidToken:
            raise FatalError("counterpart secrets do not decrypt with this key") from None


@dataclass(frozen=True)
class CounterpartView:
    """What may be shown of a counterpart: its config with secrets masked."""

    id: int
    code: str
    kind: str
    connector: str
    config: dict[str, Any]
    secrets: dict[str, str]
    enabled: bool
    disabled_reason: str | None


def register(
    session: Session,
    cipher: Cipher,
    tenant_id: int,
    code: str,
    *,
    kind: str,
    connector: str,
    config: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> Counterpart:
    """Create a counterpart after validating its config against the connector's schema.

    Raises Unprocessable (unknown connector or invalid config), Conflict (code taken).
    """
    try:
        cls = registry.get(connector)
        validate_config(cls.config_schema, code, config or {}, secrets or {})
    except UnknownConnector as exc:
        raise Unprocessable(str(exc), code="counterpart.unknown_connector") from None
    except FatalError as exc:
        raise Unprocessable(exc.message, code="counterpart.invalid_config") from None
    if counterpart_repository.by_code(session, tenant_id, code):
        raise Conflict(f"counterpart {code!r} exists")
    return counterpart_repository.create(
        session, tenant_id, code, kind, connector, dict(config or {}), cipher.seal(secrets or {})
    )


def get(session: Session, tenant_id: int, code: str) -> Counterpart:
    """Return the counterpart ``code`` of the tenant; raises NotFound."""
    row = counterpart_repository.by_code(session, tenant_id, code)
    if row is None:
        raise NotFound(f"no counterpart {code!r}")
    return row


def connector_class(slug: str) -> type[Connector]:
    """Return the connector class registered as ``slug``; raises NotFound."""
    try:
        return registry.get(slug)
    except UnknownConnector as exc:
        raise NotFound(str(exc), code="counterpart.unknown_connector") from None


def connector_for(cipher: Cipher, row: Counterpart) -> Connector:
    """Return the configured connector for ``row`` (secrets decrypted in memory only)."""
    cls = connector_class(row.connector)
    return cls.configure(row.code, row.config or {}, cipher.open(row.secrets))


def public_view(row: Counterpart, cipher: Cipher | None = None) -> CounterpartView:
    """Return the counterpart with every secret value replaced by ``***``."""
    names = sorted(cipher.open(row.secrets)) if cipher else []
    return CounterpartView(
        row.id,
        row.code,
        row.kind,
        row.connector,
        dict(row.config or {}),
        {name: MASK for name in names},
        row.enabled,
        row.disabled_reason,
    )


def rotate_secrets(
    session: Session, cipher: Cipher, row: Counterpart, secrets: Mapping[str, Any]
) -> None:
    """Replace the counterpart's secrets (validated against the connector schema)."""
    schema = connector_class(row.connector).config_schema
    validate_config(schema, row.code, row.config or {}, secrets)
    counterpart_repository.update_config(session, row.id, secrets_token=cipher.seal(secrets))


def set_enabled(session: Session, row: Counterpart, enabled: bool, reason: str | None) -> None:
    counterpart_repository.set_enabled(session, row.id, enabled, reason)
