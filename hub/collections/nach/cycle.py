"""One NACH round trip, step by step, each step its own committed transaction.

The steps are what the scheduled jobs do in production (and the demo and the scenario
tests do in sequence): :func:`present` the business date's dues, :func:`deliver` the
outbox to the bank's SFTP, and, once the bank has answered, :func:`collect` its files
(SFTP pickup into the inbox, then the inbox worker applies them: ACH responses and
e-mandate acceptance reports). :func:`register_mandates` sends the initiated e-mandates
as one batch; :func:`cancel_mandates` the pending cancellation requests (pain.011).
Nothing here holds business rules; it only opens sessions and commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from hub.collections.mandates import AccountCipher
from hub.collections.nach import cancel_batch, emandate_batch
from hub.collections.nach.presentation import PresentationResult, present_dues
from hub.integration.counterparts import Cipher
from hub.integration.inbox.pickup import PollResult, poll
from hub.integration.inbox.service import InboxWorker
from hub.integration.outbox.worker import DeliveryWorker


@dataclass(frozen=True)
class NachRuntime:
    factory: sessionmaker[Session]
    accounts: AccountCipher  # mandate PII
    secrets: Cipher  # counterpart secrets
    clock: Callable[[], datetime]
    worker_id: str = "nach"


def present(rt: NachRuntime, tenant_id: int, bank: str, day: date) -> PresentationResult:
    """Build and queue the ACH debit file of ``day`` (committed)."""
    with rt.factory() as session:
        result = present_dues(session, rt.accounts, tenant_id, bank, day, rt.clock())
        session.commit()
    return result


def register_mandates(rt: NachRuntime, tenant_id: int, bank: str) -> tuple[str | None, int]:
    """Queue the initiated e-mandates as one registration batch (committed)."""
    with rt.factory() as session:
        sent = emandate_batch.send_registration_batch(
            session, rt.accounts, tenant_id, bank, rt.clock()
        )
        session.commit()
    return sent


def cancel_mandates(rt: NachRuntime, tenant_id: int, bank: str) -> tuple[str | None, int]:
    """Queue the pending NACH cancellation requests as one pain.011 batch (committed)."""
    with rt.factory() as session:
        sent = cancel_batch.send_cancellation_batch(session, tenant_id, bank, rt.clock())
        session.commit()
    return sent


def deliver(rt: NachRuntime, tenant_id: int) -> int:
    """Send the tenant's due outbox messages; return the attempts made."""
    worker = DeliveryWorker(rt.factory, rt.secrets, rt.worker_id, rt.clock)
    try:
        return worker.run_until_idle(tenant_id)
    finally:
        worker.close()


def collect(rt: NachRuntime, tenant_id: int, bank: str) -> PollResult:
    """Pick up the bank's answers into the inbox and apply them; return the poll."""
    result = poll(rt.factory, rt.secrets, tenant_id, bank, rt.clock)
    InboxWorker(rt.factory, rt.worker_id, rt.clock).run_pending(tenant_id=tenant_id)
    return result
