"""Inbox handlers: how one kind of document becomes applied records.

A handler is registered per ``(counterpart kind, document kind)`` and runs in the
worker's transaction. :class:`InboxHandler` fixes the order every handler follows:

1. ``parse``: bytes -> records and problems (nothing applied yet);
2. ``check_totals``: the control totals hook; a reason rejects the item whole;
3. ``apply``: write the effects idempotently (a natural key per record with a unique
   constraint), returning per-record outcomes.

Handlers never commit; the worker does, together with the item's status and outcomes,
so a crash leaves nothing half-applied.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from lms_core.integration.enums import RecordOutcome

ANY_KIND = "*"


@dataclass(frozen=True)
class ItemContext:
    """What a handler knows about the item it processes."""

    tenant_id: int
    item_id: int
    source: str
    counterpart_kind: str
    document_kind: str
    sha256: str
    filename: str | None = None
    declared: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """One record's fate; ``line`` 0 speaks for the item as a whole."""

    line: int
    outcome: RecordOutcome
    record_key: str | None = None
    field: str | None = None
    reason: str | None = None

    def row(self) -> tuple:
        return (self.line, str(self.outcome), self.record_key, self.field, self.reason)


@dataclass(frozen=True)
class HandlerResult:
    """Counts per outcome plus the outcomes worth listing; ``rejected`` refuses the item."""

    applied: int = 0
    duplicates: int = 0
    quarantined: int = 0
    outcomes: tuple[Outcome, ...] = ()
    rejected: str | None = None

    def counts(self) -> dict[str, int]:
        return {
            "applied": self.applied,
            "duplicate": self.duplicates,
            "quarantined": self.quarantined,
        }


class InboxHandler(ABC):
    """Parse, check control totals, apply: subclasses fill in the three steps."""

    def handle(self, session: Session, ctx: ItemContext, data: bytes) -> HandlerResult:
        parsed = self.parse(session, ctx, data)
        if isinstance(parsed, HandlerResult):
            return parsed  # parse refused the item (e.g. corrupt encoding)
        reason = self.check_totals(ctx, parsed)
        if reason:
            return HandlerResult(rejected=reason, outcomes=(_whole(reason),))
        return self.apply(session, ctx, parsed)

    @abstractmethod
    def parse(self, session: Session, ctx: ItemContext, data: bytes) -> Any:
        """Return the parsed form for ``apply``, or a rejecting HandlerResult."""

    def check_totals(self, ctx: ItemContext, parsed: Any) -> str | None:
        """Return why the control totals disagree, or None (default: no totals)."""
        return None

    @abstractmethod
    def apply(self, session: Session, ctx: ItemContext, parsed: Any) -> HandlerResult:
        """Apply the parsed records idempotently; return the outcomes."""


def _whole(reason: str) -> Outcome:
    return Outcome(0, RecordOutcome.QUARANTINED, field="(file)", reason=reason)


def rejected(reason: str, *, line: int = 0, field: str = "(file)") -> HandlerResult:
    """Return a result refusing the whole item, with one outcome naming where and why."""
    return HandlerResult(
        rejected=reason,
        outcomes=(Outcome(line, RecordOutcome.QUARANTINED, field=field, reason=reason),),
    )


class HandlerRegistry:
    """Handlers by (counterpart kind, document kind); ``"*"`` matches any document kind."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], InboxHandler] = {}

    def register(self, counterpart_kind: str, document_kind: str, handler: InboxHandler) -> None:
        self._handlers[(counterpart_kind, document_kind)] = handler

    def unregister(self, counterpart_kind: str, document_kind: str) -> None:
        self._handlers.pop((counterpart_kind, document_kind), None)

    def find(self, counterpart_kind: str, document_kind: str) -> InboxHandler | None:
        return self._handlers.get((counterpart_kind, document_kind)) or self._handlers.get(
            (counterpart_kind, ANY_KIND)
        )


HANDLERS = HandlerRegistry()


def load_handlers() -> HandlerRegistry:
    """Import every domain's handler modules (their ``module.py`` lists them), so any
    worker can apply any inbox item whatever it imported so far; return the registry."""
    from hub.platform import registry

    registry.load_inbox_handlers()
    return HANDLERS
