"""Connector bases: one tiny class per kind, declarative attributes plus a few hooks.

A connector is configured per tenant and counterpart. It declares:

* ``slug``: its registry name (entry point name in the ``sangam.connectors`` group);
* ``kind``: :class:`ConnectorKind` (file pickup, file drop, HTTP call, inbound webhook);
* ``config_schema``: :class:`ConfigField` s, with ``secret=True`` on credentials (those
  are stored encrypted and never logged, shown or returned: see connectors.sdk.secrets);
* ``document_kinds``: what the inbox handlers should expect from it.

Every connector raises only ``RetriableError`` (try again later) or ``FatalError`` (a
human must act) from connectors.sdk.transport.errors. ``health()`` is the one method every kind
shares; each kind adds two or three hooks. ``tests/connectors/connector_conformance.py`` gives
every connector the same checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import SecretStr

from connectors.sdk.transport.errors import FatalError


class ConnectorKind(StrEnum):
    FILE_PICKUP = "file_pickup"
    FILE_DROP = "file_drop"
    HTTP_CALL = "http_call"
    INBOUND_WEBHOOK = "inbound_webhook"


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    LIST = "list"
    MAPPING = "mapping"


_PYTHON_TYPES = {
    FieldType.STRING: (str,),
    FieldType.INTEGER: (int,),
    FieldType.NUMBER: (int, float, str),  # why: a decimal may arrive as text
    FieldType.BOOLEAN: (bool,),
    FieldType.LIST: (list, tuple),
    FieldType.MAPPING: (dict,),
}


@dataclass(frozen=True)
class ConfigField:
    """One configuration key a connector accepts; ``secret`` keys are encrypted at rest."""

    name: str
    type: FieldType = FieldType.STRING
    required: bool = False
    secret: bool = False
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class ConnectorConfig:
    """A counterpart's validated configuration: plain values and secrets apart."""

    counterpart: str
    values: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, SecretStr] = field(default_factory=dict, repr=False)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def secret(self, name: str) -> str:
        """Return the clear secret ``name``; raises FatalError if it is not configured."""
        value = self.secrets.get(name)
        if value is None:
            raise FatalError(f"secret {name!r} is not configured", counterpart=self.counterpart)
        return value.get_secret_value()


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


# Keys every counterpart may carry whatever its connector: the hub's own scheduling.
COMMON_FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "job_crons",
        FieldType.MAPPING,
        description="scheduled jobs for this counterpart: {task name: cron}, see schedules/",
    ),
)


def validate_config(
    schema: tuple[ConfigField, ...], counterpart: str, values: Mapping, secrets: Mapping
) -> ConnectorConfig:
    """Return the ConnectorConfig for ``values`` + ``secrets``, defaults filled in.

    Raises FatalError listing every problem: unknown keys, missing required keys, wrong
    types, a secret given as a plain value or a plain value given as a secret.
    """
    schema = (*schema, *(f for f in COMMON_FIELDS if f.name not in {g.name for g in schema}))
    by_name = {f.name: f for f in schema}
    problems = [f"unknown key {k!r}" for k in (*values, *secrets) if k not in by_name]
    problems += [
        f"{k!r} is a secret: give it with the secrets" for k in values if _secret(by_name, k)
    ]
    problems += [
        f"{k!r} is not a secret" for k in secrets if k in by_name and not by_name[k].secret
    ]
    plain: dict[str, Any] = {}
    for spec in schema:
        source = secrets if spec.secret else values
        if spec.name not in source:
            if spec.required:
                problems.append(f"{spec.name!r} is required")
            elif not spec.secret:
                plain[spec.name] = spec.default
            continue
        value = source[spec.name]
        if not spec.secret and not _is_type(value, spec.type):
            problems.append(f"{spec.name!r} must be {spec.type}")
        elif not spec.secret:
            plain[spec.name] = value
    if problems:
        raise FatalError("invalid configuration: " + "; ".join(problems), counterpart=counterpart)
    wrapped = {k: SecretStr(str(v)) for k, v in secrets.items()}
    return ConnectorConfig(counterpart, plain, wrapped)


def _is_type(value: Any, kind: FieldType) -> bool:
    # why: bool is an int in Python, but ``true`` is not a port number
    if isinstance(value, bool) and kind is not FieldType.BOOLEAN:
        return False
    return isinstance(value, _PYTHON_TYPES[kind])


def _secret(by_name: dict[str, ConfigField], key: str) -> bool:
    return key in by_name and by_name[key].secret


class Connector(ABC):
    """What every connector has: declarative attributes, a config, a health check."""

    slug: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    config_schema: ClassVar[tuple[ConfigField, ...]] = ()
    document_kinds: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        return frozenset(f.name for f in cls.config_schema if f.secret)

    @classmethod
    def configure(
        cls, counterpart: str, values: Mapping[str, Any], secrets: Mapping[str, Any]
    ) -> Connector:
        """Return an instance configured for ``counterpart``; raises FatalError if invalid."""
        return cls(validate_config(cls.config_schema, counterpart, values, secrets))

    def health(self) -> Health:
        """Return whether the counterpart looks usable (override to probe it)."""
        return Health(True, "configured")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug} for {self.config.counterpart}>"


class FilePickup(Connector):
    """Fetches complete files from a counterpart (e.g. its SFTP outbox)."""

    kind = ConnectorKind.FILE_PICKUP

    @abstractmethod
    def list_ready(self) -> list[Any]:
        """Return handles of complete files (never half-written ones)."""

    @abstractmethod
    def fetch(self, handle: Any) -> tuple[str, bytes]:
        """Return ``(file name, bytes)`` of one ready file."""

    @abstractmethod
    def acknowledge(self, handle: Any, ok: bool, stamp: str) -> None:
        """Move the file to processed / failed (``stamp`` names it), or delete it."""


class FileDrop(Connector):
    """Delivers a file to a counterpart atomically (temp name, rename, marker)."""

    kind = ConnectorKind.FILE_DROP

    @abstractmethod
    def drop(self, name: str, data: bytes) -> None:
        """Deliver ``data`` as ``name``."""


class HttpCall(Connector):
    """Calls a counterpart's HTTP API; ``send`` returns the status code."""

    kind = ConnectorKind.HTTP_CALL

    @abstractmethod
    def send(self, target: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST ``body`` to ``target``; return the 2xx status or raise Retriable/Fatal."""

    @abstractmethod
    def close(self) -> None:
        """Release pooled connections."""


class InboundWebhook(Connector):
    """Accepts a counterpart's webhooks: verify, then name the event and document kind."""

    kind = ConnectorKind.INBOUND_WEBHOOK

    @abstractmethod
    def verify(self, headers: Mapping[str, str], body: bytes, now: float) -> str:
        """Return the event id after checking the signature; raise FatalError if bad."""

    @abstractmethod
    def document_kind(self, headers: Mapping[str, str], body: bytes) -> str:
        """Return the document kind the inbox handler is chosen by."""
