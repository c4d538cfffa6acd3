"""In-process domain events: what else must happen, in the same transaction, when X does.

The outbox tells *counterparts* that something happened (a partner bank hears of a
closure by webhook, retried until delivered). Some consequences are ours and must be
atomic with the change itself: when a loan closes, its live mandates are cancelled in
the same transaction, so no debit is ever presented against a closed loan. Those
consumers subscribe in their domain's ``module.py`` (a
:class:`~hub.platform.manifest.Subscription`), so which process publishes (API, worker,
demo) never changes who hears. A subscriber that raises fails the publishing
transaction: the change and its consequences commit together or not at all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session


class Event(StrEnum):
    LOAN_CLOSED = "loan.closed"  # payload: tenant_id, loan_id, closed_on, closure


def publish(session: Session, event: Event, **payload: Any) -> None:
    """Run every subscriber of ``event`` in the caller's transaction."""
    from hub.platform import registry  # why: the registry reads manifests that name Event

    for fn in registry.subscribers(str(event)):
        fn(session, **payload)
