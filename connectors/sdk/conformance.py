"""The conformance suite every connector runs (a test kit: it needs pytest): one factory call.

    TestMyConnector = conformance_suite(MyConnector, config={...}, secrets={...})

It checks the declarative attributes, registration under the slug, that every hook of
the kind is implemented, that the sample config validates and a broken one is refused
with every problem named, and that secrets are flagged and never shown.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

import pytest

from connectors.sdk import registry
from connectors.sdk.base import (
    ConfigField,
    Connector,
    ConnectorKind,
    FileDrop,
    FilePickup,
    Health,
    HttpCall,
    InboundWebhook,
)
from connectors.sdk.transport.errors import FatalError

BASES = {
    ConnectorKind.FILE_PICKUP: FilePickup,
    ConnectorKind.FILE_DROP: FileDrop,
    ConnectorKind.HTTP_CALL: HttpCall,
    ConnectorKind.INBOUND_WEBHOOK: InboundWebhook,
}


def conformance_suite(
    cls: type[Connector], *, config: Mapping[str, Any], secrets: Mapping[str, str]
) -> type:
    """Return a pytest test class checking ``cls`` against the connector contract."""

    def build() -> Connector:
        return cls.configure("conformance", config, secrets)

    class Suite:
        def test_declares_slug_kind_and_schema(self) -> None:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.slug)
            assert cls.kind in ConnectorKind
            assert all(isinstance(f, ConfigField) for f in cls.config_schema)
            names = [f.name for f in cls.config_schema]
            assert len(names) == len(set(names)), "config keys must be unique"
            assert cls.description, "say in one line what the connector does"

        def test_is_registered_under_its_slug(self) -> None:
            assert registry.get(cls.slug) is cls

        def test_implements_every_hook_of_its_kind(self) -> None:
            assert issubclass(cls, BASES[cls.kind])
            assert not inspect.isabstract(cls), f"missing: {cls.__abstractmethods__}"

        def test_the_sample_config_is_valid_and_health_answers(self) -> None:
            connector = build()
            assert isinstance(connector.health(), Health)
            _close(connector)

        def test_missing_required_keys_are_all_named(self) -> None:
            required = [f.name for f in cls.config_schema if f.required]
            if not required:
                pytest.skip("no required keys")
            with pytest.raises(FatalError) as err:
                cls.configure("conformance", {}, {})
            for name in required:
                assert repr(name) in str(err.value)

        def test_unknown_keys_are_refused(self) -> None:
            with pytest.raises(FatalError, match="unknown key 'no_such_key'"):
                cls.configure("conformance", {**config, "no_such_key": 1}, secrets)

        def test_secrets_are_flagged_and_never_shown(self) -> None:
            flagged = cls.secret_fields()
            assert set(secrets) <= flagged, "every secret given must be a flagged field"
            for name in flagged & set(secrets):
                with pytest.raises(FatalError, match="is a secret"):
                    cls.configure("conformance", {**config, name: secrets[name]}, {})
            connector = build()
            shown = repr(connector) + repr(connector.config) + str(connector.config.values)
            for value in secrets.values():
                assert value not in shown
            _close(connector)

    Suite.__name__ = f"TestConformance_{cls.slug}"
    return Suite


def _close(connector: Connector) -> None:
    if isinstance(connector, HttpCall):
        connector.close()
