"""Running the domains' end-of-day steps for one partition, and once per tenant and date.

A PARTITION step receives a :class:`PartitionContext`: the session of the partition's
transaction, the loans of the partition and the business date being closed. It records
loans it could not close in ``ctx.outcome.failed`` (they stay behind and fail the run)
and may leave what it loaded in ``ctx.scratch`` for a later step of the same partition
(the loans' rate resets hand their loaded rows to the day close, so a quiet partition
loads them once). A FINALISE step receives a :class:`FinaliseContext`, in the
transaction that advances the business date. Steps never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hub.platform import registry
from hub.platform.manifest import EodPhase


@dataclass
class PartitionOutcome:
    """What a partition's steps did: loans closed (of which by the bulk / quiet route)."""

    closed: int = 0
    bulk: int = 0
    quiet: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"loan_id", "error"}

    def failed_ids(self) -> set[int]:
        return {f["loan_id"] for f in self.failed}


@dataclass
class PartitionContext:
    session: Session
    tenant_id: int
    loan_ids: list[int]
    day: date
    actor: str = "eod"
    outcome: PartitionOutcome = field(default_factory=PartitionOutcome)
    scratch: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinaliseContext:
    session: Session
    tenant_id: int
    day: date
    actor: str = "eod"


def run_partition_steps(
    session: Session, tenant_id: int, loan_ids: list[int], day: date, actor: str = "eod"
) -> PartitionOutcome:
    """Run every PARTITION step, in order, over ``loan_ids``; return the outcome."""
    ctx = PartitionContext(session, tenant_id, loan_ids, day, actor)
    for _step, fn in registry.eod_steps(EodPhase.PARTITION):
        fn(ctx)
    return ctx.outcome


def run_finalise_steps(session: Session, tenant_id: int, day: date, actor: str = "eod") -> None:
    """Run every FINALISE step, in order, for the tenant's ``day``."""
    ctx = FinaliseContext(session, tenant_id, day, actor)
    for _step, fn in registry.eod_steps(EodPhase.FINALISE):
        fn(ctx)
