"""The connector registry: slug -> class, from the ``sangam.connectors`` entry points.

A connector package registers itself in its ``pyproject.toml``::

    [project.entry-points."sangam.connectors"]
    standard_webhooks = "hub.connectors.builtin:StandardWebhookReceiver"

The hub's generic connectors are also listed in :data:`BUILTIN`, so the registry works
in a checkout whose installed metadata predates an entry point. :func:`register` adds a
class at run time (tests, plugins loaded by hand).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import entry_points

from hub.connectors.base import Connector
from hub.errors import NotFound

log = logging.getLogger(__name__)

GROUP = "sangam.connectors"
BUILTIN = {
    "standard_webhooks": "hub.connectors.builtin:StandardWebhookReceiver",
    "http_post": "hub.connectors.builtin:HttpPost",
    "sftp_drop": "hub.connectors.builtin:SftpDrop",
    "sftp_pickup": "hub.connectors.builtin:SftpPickup",
}
_extra: dict[str, type[Connector]] = {}


def _load(target: str) -> type[Connector]:
    module_name, _, attr = target.partition(":")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


@lru_cache(maxsize=1)
def _discovered() -> dict[str, type[Connector]]:
    found = {slug: _load(target) for slug, target in BUILTIN.items()}
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
    """Return the connector class for ``slug``; raises NotFound naming the known slugs."""
    found = all_connectors().get(slug)
    if found is None:
        known = ", ".join(sorted(all_connectors()))
        raise NotFound(f"no connector {slug!r} (known: {known})")
    return found
