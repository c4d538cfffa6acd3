"""The connector registry: slug -> class, from the ``sangam.connectors`` entry points.

A connector package registers itself in its ``pyproject.toml``::

    [project.entry-points."sangam.connectors"]
    standard_webhooks = "connectors.sdk.builtin:StandardWebhookReceiver"

The SDK's own generic connectors register the same way as any counterpart's, so there
is one list (the entry points). :func:`register` adds a class at run time (tests,
plugins loaded by hand).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import entry_points

from connectors.sdk.base import Connector

log = logging.getLogger(__name__)

GROUP = "sangam.connectors"
_extra: dict[str, type[Connector]] = {}


@lru_cache(maxsize=1)
def _discovered() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=GROUP):
        try:
            found[ep.name] = ep.load()
        except Exception:  # why: one broken plugin must not hide the others
            log.exception("connector entry point %s failed to load", ep.name)
    return found


def register(cls: type[Connector]) -> type[Connector]:
    """Add ``cls`` under its slug (usable as a class decorator); return it."""
    _extra[cls.slug] = cls
    return cls


def all_connectors() -> dict[str, type[Connector]]:
    return {**_discovered(), **_extra}


def get(slug: str) -> type[Connector]:
    """Return the connector class for ``slug``; raises UnknownConnector naming the known slugs."""
    found = all_connectors().get(slug)
    if found is None:
        known = ", ".join(sorted(all_connectors()))
        raise UnknownConnector(f"no connector {slug!r} (known: {known})")
    return found


class UnknownConnector(LookupError):
    """No connector is registered under the slug asked for."""
