"""The demo's dual control: a credit manager asks, a second user approves.

On one demo day the credit manager (``credit``) agrees a one-time settlement with the
most overdue borrower (70% of the principal left, in thousands) and the administrator
(``admin``) approves it, so the settlement is recorded; then ``credit`` asks to write
off the next most overdue loan, and that request is left pending, for whoever looks
around the demo to approve or reject (``/ui/approvals`` or ``/api/v1/approvals``). A
refusal is counted, not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from sqlalchemy.orm import Session, sessionmaker

from hub.loans import prepayments
from hub.loans.approvals import ApprovalAction
from hub.platform.approvals import service as approvals
from hub.platform.auth.security import Principal
from hub.platform.errors import SangamError
from lms_core.loans.status import LoanStatus
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository, user_repository

MAKER, CHECKER = "credit", "admin"
THOUSAND = Decimal(1000)
SHARE = Decimal("0.7")


@dataclass
class ApprovalsLog:
    settlements_approved: int = 0
    write_offs_pending: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not (self.settlements_approved or self.write_offs_pending or self.refused):
            return "no requests on these days"
        note = f", {len(self.refused)} refused ({self.refused[0]})" if self.refused else ""
        return (
            f"{self.settlements_approved} settlement asked by {MAKER} and approved by "
            f"{CHECKER}, {self.write_offs_pending} write-off waiting for a checker{note}"
        )


def _principal(session: Session, tenant_id: int, username: str) -> Principal:
    user = user_repository.by_username(session, tenant_id, username)
    tenant = tenant_repository.by_id(session, tenant_id)
    return Principal(user.id, user.username, tenant_id, tenant.code, tuple(user.roles))


def _most_overdue(session: Session, tenant_id: int, count: int) -> list[int]:
    loans = loan_repository.list_loans(session, tenant_id, status=LoanStatus.ACTIVE, limit=100_000)
    return [loan.id for loan in sorted(loans, key=lambda loan: (-loan.dpd, loan.id))[:count]]


def run_dual_control_day(factory: sessionmaker[Session], tenant_id: int, log: ApprovalsLog) -> None:
    """Settle one loan through maker and checker; leave one write-off request pending."""
    with factory() as session:
        picks = _most_overdue(session, tenant_id, 2)
    for n, loan_id in enumerate(picks):
        with factory() as session:
            try:
                maker = _principal(session, tenant_id, MAKER)
                if n == 0:
                    _settle(session, maker, _principal(session, tenant_id, CHECKER), loan_id)
                    log.settlements_approved += 1
                else:
                    payload = {"reason": "borrower unreachable; demo request"}
                    approvals.request(
                        session, maker, ApprovalAction.LOAN_WRITE_OFF, loan_id, payload
                    )
                    log.write_offs_pending += 1
                session.commit()
            except SangamError as exc:
                session.rollback()
                log.refused.append(f"loan {loan_id}: {exc.detail}")


def _settle(session: Session, maker: Principal, checker: Principal, loan_id: int) -> None:
    principal = prepayments.foreclosure_quote(session, maker.tenant_id, loan_id).principal
    amount = (principal * SHARE / THOUSAND).quantize(Decimal(1), ROUND_DOWN) * THOUSAND
    payload = {"amount": str(amount), "valid_until": None}
    req = approvals.request(
        session, maker, ApprovalAction.LOAN_SETTLEMENT, loan_id, payload, amount=amount
    )
    approved, outcome = approvals.approve(session, checker, req.id, "demo: terms checked")
    if outcome is None:
        raise SangamError(approved.error or "settlement approval failed")
