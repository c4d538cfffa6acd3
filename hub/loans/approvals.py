"""The loan actions put under maker-checker (the generic service: hub.platform.approvals).

A write-off and a one-time settlement's terms need a second user by default; a tenant
may switch either off or set amount bands (``PUT /api/v1/approvals/policy/{action}``).
The checker holds ``loan:writeoff`` like the maker; the write-off's amount is the
loan's outstanding, the settlement's the agreed amount.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from hub.loans import lifecycle as lc
from hub.loans import settlement, writeoff
from hub.platform.approvals.service import ActionContext, ActionSpec, Outcome
from hub.platform.auth.permissions import Permission
from lms_core.money import D


class ApprovalAction(StrEnum):
    """The loans domain's actions under dual control."""

    LOAN_WRITE_OFF = "loan.writeoff"
    LOAN_SETTLEMENT = "loan.settlement"


def _lock_loan(session: Session, tenant_id: int, subject_id: str) -> str:
    loan = lc.get_loan(session, tenant_id, int(subject_id), lock=True)
    return f"loan {loan.loan_number}"


def _write_off(session: Session, ctx: ActionContext) -> Outcome:
    change = writeoff.write_off(
        session, ctx.tenant_id, int(ctx.subject_id), ctx.payload["reason"], ctx.actor
    )
    return Outcome(f"loan_change:{change.id}", change)


def _settlement(session: Session, ctx: ActionContext) -> Outcome:
    until: Any = ctx.payload.get("valid_until")
    deal = settlement.agree(
        session, ctx.tenant_id, int(ctx.subject_id), D(ctx.payload["amount"]), ctx.actor,
        date.fromisoformat(until) if until else None,
    )  # fmt: skip
    return Outcome(f"loan_settlement:{deal.id}", deal)


ACTIONS = (
    ActionSpec(
        action=ApprovalAction.LOAN_WRITE_OFF,
        subject_type="loan",
        permission=Permission.LOAN_WRITE_OFF,
        audit_action="loan.write_off",
        execute=_write_off,
        lock_subject=_lock_loan,
        result_view="hub.loans.api.lifecycle:change_out",
        link="/ui/loans/{subject_id}",
    ),
    ActionSpec(
        action=ApprovalAction.LOAN_SETTLEMENT,
        subject_type="loan",
        permission=Permission.LOAN_WRITE_OFF,
        audit_action="loan.settlement_agree",
        execute=_settlement,
        lock_subject=_lock_loan,
        result_view="hub.loans.api.lifecycle:settlement_out",
        link="/ui/loans/{subject_id}",
    ),
)
