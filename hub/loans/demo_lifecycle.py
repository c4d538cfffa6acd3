"""The demo's life-cycle events: a few part-prepayments and foreclosures on some days.

Borrowers who are up to date are picked with the demo's seeded generator; a part-
prepayment pays down about a fifth of the principal not yet due (rounded to 1,000),
reducing the EMI; a foreclosure pays the day's quote in full, which closes the loan,
issues its no-dues certificate and cancels its mandates. A refusal (e.g. a loan whose
installment falls due today) is counted, not hidden.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from sqlalchemy.orm import Session, sessionmaker

from hub.loans import prepayments
from hub.platform.errors import SangamError
from lms_core.loans.status import LoanStatus
from lms_core.persistence.collections import mandate_repository
from lms_core.persistence.loans import loan_repository

THOUSAND = Decimal(1000)


@dataclass
class LifecycleLog:
    prepayments: int = 0
    foreclosures: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        note = f", {len(self.refused)} refused ({self.refused[0]})" if self.refused else ""
        return f"{self.prepayments} part-prepayments, {self.foreclosures} foreclosures{note}"


def _up_to_date(session: Session, tenant_id: int) -> list:
    loans = loan_repository.list_loans(session, tenant_id, status=LoanStatus.ACTIVE, limit=100_000)
    dues = loan_repository.due_rows(session, [loan.id for loan in loans])
    return [
        loan
        for loan in loans
        if all(d.amount - d.paid - d.waived <= 0 for d in dues[loan.id]) and loan.dpd == 0
    ]


def run_lifecycle_day(
    factory: sessionmaker[Session], tenant_id: int, rng: random.Random, log: LifecycleLog
) -> None:
    """Prepay two loans and foreclose one (each in its own transaction)."""
    with factory() as session:
        candidates = _up_to_date(session, tenant_id)
        mandated = {
            m.loan_id
            for m in mandate_repository.list_mandates(
                session, tenant_id, status="registered", limit=100_000
            )
        }
    picks = rng.sample(candidates, min(3, len(candidates)))
    # why: foreclose a loan with a live mandate when there is one, so the demo shows the
    # mandate cancellation going to the bank or the PSP
    closable = [c for c in candidates if c.id in mandated and c not in picks[:2]]
    if len(picks) == 3 and closable:
        picks[2] = rng.choice(closable)
    for n, loan in enumerate(picks):
        with factory() as session:
            try:
                if n < 2:
                    _prepay(session, tenant_id, loan.id)
                    log.prepayments += 1
                else:
                    quote = prepayments.foreclosure_quote(session, tenant_id, loan.id)
                    prepayments.execute_foreclosure(
                        session, tenant_id, loan.id, quote.total, "demo"
                    )
                    log.foreclosures += 1
                session.commit()
            except SangamError as exc:
                session.rollback()
                log.refused.append(f"loan {loan.id}: {exc.detail}")


def _prepay(session: Session, tenant_id: int, loan_id: int) -> None:
    quote = prepayments.foreclosure_quote(session, tenant_id, loan_id)
    principal = quote.principal
    amount = (principal / 5 / THOUSAND).quantize(Decimal(1), ROUND_DOWN) * THOUSAND
    if amount > 0:
        prepayments.execute_prepayment(session, tenant_id, loan_id, amount, "demo")
