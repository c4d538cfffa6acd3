"""NACH jobs, scheduled per sponsor bank from its config (``job_crons``, schedules/).

Thin on purpose: build the step runtime from the worker's session factory and settings,
call one step of :mod:`hub.collections.nach.cycle`, which commits. Delivery of the queued files
is the outbox job's; the bank's answers come back through the ``file_pickup`` job and the
inbox. The wall clock here only stamps files and leases; dates come from the tenant.
"""

from __future__ import annotations

import os
import socket

from hub.collections.mandates import AccountCipher
from hub.collections.nach import cycle
from hub.integration.counterparts import Cipher
from hub.integration.inbox.service import wall_clock
from hub.platform.config import get_settings
from hub.platform.jobs import blueprint, session_factory
from lms_core.persistence.platform import tenant_repository


def _runtime() -> cycle.NachRuntime:
    settings = get_settings()
    return cycle.NachRuntime(
        session_factory(),
        AccountCipher.from_settings(settings),
        Cipher(settings.encryption_key_value()),
        wall_clock,
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
    )


@blueprint.task(name="nach_present", queue="collections")
def nach_present(tenant_id: int, counterpart: str) -> int:
    """Present the tenant's business-date dues to the bank; return the items presented."""
    rt = _runtime()
    with rt.factory() as session:
        day = tenant_repository.business_date(session, tenant_id)
    return cycle.present(rt, tenant_id, counterpart, day).items


@blueprint.task(name="nach_register_mandates", queue="collections")
def nach_register_mandates(tenant_id: int, counterpart: str) -> int:
    """Send the initiated e-mandates to the bank as one batch; return how many."""
    _batch, count = cycle.register_mandates(_runtime(), tenant_id, counterpart)
    return count


@blueprint.task(name="nach_cancel_mandates", queue="collections")
def nach_cancel_mandates(tenant_id: int, counterpart: str) -> int:
    """Send the pending mandate cancellations to the bank as one pain.011 batch; return how
    many."""
    _batch, count = cycle.cancel_mandates(_runtime(), tenant_id, counterpart)
    return count
