"""Inbox jobs: process one new item; sweep for items whose worker died (expired lease).

Thin on purpose: build the worker from the running job worker's session factory and
call it. The wall clock is fine here: it only times leases, never business dates.
"""

from __future__ import annotations

import os
import socket

from hub.integration.inbox.handlers import load_handlers
from hub.integration.inbox.service import InboxWorker, wall_clock
from hub.platform.jobs import blueprint, session_factory


def _worker() -> InboxWorker:
    handlers = load_handlers()  # every handler, whatever this worker imported so far
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    return InboxWorker(session_factory(), worker_id, wall_clock, handlers=handlers)


@blueprint.task(name="inbox_process", queue="inbox")
def inbox_process(item_id: int, tenant_id: int | None = None) -> str | None:
    """Apply inbox item ``item_id`` if nobody else holds it; return its final status."""
    return _worker().run_item(item_id)


@blueprint.task(name="inbox_sweep", queue="inbox")
def inbox_sweep() -> int:
    """Apply every claimable item (new, or retaken after a lease expired); return count."""
    return _worker().run_pending()


@blueprint.task(name="file_pickup", queue="inbox")
def file_pickup(tenant_id: int, counterpart: str) -> int:
    """Pick up the counterpart's ready files into the inbox; return how many were new."""
    from hub.integration.counterparts import Cipher
    from hub.integration.inbox.pickup import poll
    from hub.platform.config import get_settings

    cipher = Cipher(get_settings().encryption_key_value())
    result = poll(session_factory(), cipher, tenant_id, counterpart, wall_clock)
    return len(result.received)


@blueprint.task(name="file_sla_check", queue="ops")
def file_sla_check() -> int:
    """Raise alerts for expected files not arrived by their cut-off; return how many."""
    from hub.integration.inbox.sla import check_all

    with session_factory()() as session:
        raised = check_all(session, wall_clock())
        session.commit()
    return len(raised)
