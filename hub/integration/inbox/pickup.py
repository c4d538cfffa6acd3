"""File pickup: bring a counterpart's ready files into the inbox, then acknowledge them.

One poll of one counterpart (a ``FilePickup`` connector, e.g. ``sftp_pickup``):

1. list the files that are complete (done marker or stable size; never half-written),
2. for each, download it and :func:`hub.integration.inbox.service.receive` it in its own committed
   transaction (raw bytes kept, deduplicated on checksum + name, processing enqueued),
3. only after that commit, acknowledge it on the server (move to ``processed``).

The order is what makes pickup lossless: a crash after the download but before the
commit leaves the file on the server for the next poll; a crash after the commit but
before the move makes the next poll download it again, and the inbox answers
"duplicate", so it is acknowledged then and applied once. A file that cannot be
downloaded (a dropped connection, a timeout) stays where it is and is retried on the
next poll; it is counted in the result, never marked failed for a transport error.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.base import FilePickup
from connectors.sdk.transport.errors import ConnectorError
from hub.integration import counterparts
from hub.integration.inbox.service import receive
from hub.platform.errors import Conflict, NotFound
from lms_core.integration.enums import Channel
from lms_core.persistence.integration import counterpart_repository

log = logging.getLogger("sangam.pickup")
Clock = Callable[[], datetime]


@dataclass
class PollResult:
    counterpart: str
    received: list[int] = field(default_factory=list)  # new inbox item ids
    duplicates: list[int] = field(default_factory=list)  # already-known items, re-acked
    errors: list[str] = field(default_factory=list)  # "<file>: <reason>", left for next poll


def document_kind_for(config: dict, filename: str) -> str:
    """Return the document kind for ``filename`` from the counterpart's config.

    ``document_kinds`` maps glob patterns to kinds (first match wins), e.g.
    ``{"ACH-RES-*": "ach_response", "*.sta": "mt940"}``; else ``document_kind``; else "file".
    """
    for pattern, kind in (config.get("document_kinds") or {}).items():
        if fnmatch.fnmatch(filename, pattern):
            return kind
    return config.get("document_kind") or "file"


def poll(
    factory: sessionmaker[Session],
    cipher: counterparts.Cipher,
    tenant_id: int,
    code: str,
    clock: Clock,
) -> PollResult:
    """Pick up every ready file of counterpart ``code``; return what happened to each."""
    with factory() as session:
        row = counterpart_repository.by_code(session, tenant_id, code)
        if row is None:
            raise NotFound(f"no counterpart {code!r}")
        if not row.enabled:
            raise Conflict(f"counterpart {code!r} is disabled: {row.disabled_reason}")
        connector = counterparts.connector_for(cipher, row)
        config, counterpart_id, slug = dict(row.config), row.id, row.connector
    if not isinstance(connector, FilePickup):
        raise Conflict(f"counterpart {code!r} does not pick files up ({slug})")
    result = PollResult(code)
    for handle in connector.list_ready():
        _take(factory, connector, handle, tenant_id, counterpart_id, code, config, clock, result)
    return result


def _take(factory, connector, handle, tenant_id, counterpart_id, code, config, clock, result):
    try:
        name, data = connector.fetch(handle)
    except ConnectorError as exc:
        result.errors.append(f"{getattr(handle, 'name', handle)}: {exc}")
        log.warning("pickup %s: %s left for the next poll: %s", code, handle, exc)
        return
    now = clock()
    with factory() as session:
        got = receive(
            session,
            tenant_id=tenant_id,
            channel=Channel.FILE,
            source=code,
            document_kind=document_kind_for(config, name),
            data=data,
            now=now,
            counterpart_id=counterpart_id,
            filename=name,
        )
        session.commit()
    (result.duplicates if got.duplicate else result.received).append(got.item_id)
    connector.acknowledge(handle, True, now.strftime("%Y%m%dT%H%M%S"))
