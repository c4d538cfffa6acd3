"""UPI AutoPay jobs: revoke what we cancelled, debit every cycle due (after the day opens).

Thin on purpose: open a session, call the service, commit. The hub's clock is the wall
clock here: the 24-hour notice is real time.
"""

from __future__ import annotations

from hub.collections.upi.debits import execute_due
from hub.collections.upi.revoke import revoke_pending
from hub.integration.counterparts import Cipher
from hub.integration.inbox.service import wall_clock
from hub.platform.jobs import blueprint, session_factory


@blueprint.task(name="upi_execute_due", queue="collections")
def upi_execute_due(tenant_id: int, counterpart: str | None = None) -> dict[str, int]:
    """Send the tenant's pending revokes to the PSP (retried here until the PSP answers),
    then debit its UPI cycles due today; return counts (executed / refused, revoke_*).

    ``counterpart`` is the PSP whose ``job_crons`` scheduled this run (schedules/); the
    service debits every due cycle of the tenant, whichever PSP holds the mandate.
    """
    from hub.platform.config import load_settings

    cipher = Cipher(load_settings().encryption_key_value())
    with session_factory()() as session:
        revokes = revoke_pending(session, cipher, tenant_id, wall_clock())
        counts = execute_due(session, cipher, tenant_id, wall_clock())
        session.commit()
    return counts | {f"revoke_{outcome}": n for outcome, n in revokes.items()}
