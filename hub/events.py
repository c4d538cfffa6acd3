"""In-process domain events: what else must happen, in the same transaction, when X does.

The outbox tells *counterparts* that something happened (a partner bank hears of a
closure by webhook, retried until delivered). Some consequences are ours and must be
atomic with the change itself: when a loan closes, its live mandates are cancelled in
the same transaction, so no debit is ever presented against a closed loan. Those
consumers subscribe here.

A subscriber module calls :func:`subscribe` at import and is listed once in
:data:`SUBSCRIBER_MODULES`; :func:`publish` imports them on first use, so which process
publishes (API, worker, demo) never changes who hears. A subscriber that raises fails
the publishing transaction: the change and its consequences commit together or not at all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session


class Event(StrEnum):
    LOAN_CLOSED = "loan.closed"  # payload: tenant_id, loan_id, closed_on, closure


SUBSCRIBER_MODULES: tuple[str, ...] = ("hub.collections.mandates",)

Subscriber = Callable[..., Any]
_subscribers: dict[Event, list[Subscriber]] = {}
_loaded = False


def subscribe(event: Event, fn: Subscriber) -> None:
    """Call ``fn(session, **payload)`` whenever ``event`` is published (idempotent)."""
    handlers = _subscribers.setdefault(event, [])
    if fn not in handlers:
        handlers.append(fn)


def publish(session: Session, event: Event, **payload: Any) -> None:
    """Run every subscriber of ``event`` in the caller's transaction."""
    global _loaded
    if not _loaded:
        for name in SUBSCRIBER_MODULES:
            importlib.import_module(name)
        _loaded = True
    for fn in _subscribers.get(event, ()):
        fn(session, **payload)
