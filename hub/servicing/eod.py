"""End-of-day: a tenant's business date closes, loan by loan, then moves on.

For each active loan whose day-end has not run for the business date ``D``:

1. accrue interest for the day(s) (schedule-based, see lms_core.servicing.accrual_plan),
   into income, or into suspense for an NPA;
2. bill installments falling due (interest moves from receivable to due; per-installment
   fees are charged);
3. replay the day (:func:`hub.servicing.resync.resync` from ``D``): dues raised, DPD,
   SMA / NPA classification, late fees and penal charges, income recognition.

A loan's day-end is idempotent: ``eod_through`` records the last day done, in the same
transaction as its postings, and journals carry an ``external_ref`` per loan and day.
The run is split into partitions of loan ids, each its own transaction, so a crash
loses at most the partition in flight, which the next run redoes. When every active
loan is through ``D``, the business date becomes ``D + 1``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from hub.servicing.resync import LoanContext, context, resync
from lms_core.ledger import Journal, credit, debit
from lms_core.money import ZERO, Currency
from lms_core.persistence import ledger_repository, loan_repository, tenant_repository
from lms_core.servicing.accrual_plan import accrued_to, billed_between
from lms_core.servicing.classification import AssetClass

log = logging.getLogger("sangam.eod")


@dataclass(frozen=True)
class EodSummary:
    business_date: date
    next_date: date
    loans: int
    partitions: int


def _day_journal(ctx: LoanContext, plan, day: date) -> Journal | None:
    loan = ctx.loan
    accrual = accrued_to(plan, day) - accrued_to(plan, loan.accrued_through)
    due_lines = billed_between(plan, loan.eod_through, day)
    interest = sum((line.interest for line in due_lines), ZERO)
    fees = sum((line.fees for line in due_lines), ZERO)
    kw = {"currency": Currency(loan.currency), "loan_id": loan.id}
    income = "INTEREST_SUSPENSE" if loan.asset_class == AssetClass.NPA else "INTEREST_INCOME"
    postings = []
    for dr, cr, amount in (
        ("INTEREST_RECEIVABLE", income, accrual),
        ("INTEREST_DUE", "INTEREST_RECEIVABLE", interest),
        ("FEES_RECEIVABLE", "FEE_INCOME", fees),
    ):
        if amount:
            postings += [debit(dr, amount, **kw), credit(cr, amount, **kw)]
    if not postings:
        return None
    return Journal(
        "eod",
        day,
        tuple(postings),
        loan_id=loan.id,
        external_ref=f"eod:{loan.id}:{day.isoformat()}",
    )


def close_day(
    session: Session, tenant_id: int, ctx: LoanContext, day: date, actor: str = "eod"
) -> None:
    """Run the day-end of ``day`` for one loan (which must be through the day before)."""
    loan = ctx.loan
    plan = loan_repository.plans(session, [loan])[loan.id]
    journal = _day_journal(ctx, plan, day)
    if journal is not None:
        ledger_repository.post(session, tenant_id, journal, actor)
    loan.accrued_through = day
    loan.eod_through = day
    resync(session, tenant_id, ctx, day, day, actor)


def catch_up(session: Session, tenant_id: int, ctx: LoanContext, today: date, actor: str) -> int:
    """Run any day-ends the loan missed before ``today``; return how many ran."""
    ran = 0
    while (
        ctx.loan.status == "active"
        and ctx.loan.eod_through is not None
        and ctx.loan.eod_through < today - timedelta(days=1)
    ):
        close_day(session, tenant_id, ctx, ctx.loan.eod_through + timedelta(days=1), actor)
        ran += 1
    return ran


def run_partition(session: Session, tenant_id: int, loan_ids: list[int], day: date) -> int:
    """Close ``day`` for the given loans (skipping any already through it); return how many."""
    done = 0
    for loan in loan_repository.loans_by_ids(session, loan_ids, lock=True):
        if loan.status != "active" or loan.eod_through is None or loan.eod_through >= day:
            continue
        ctx = context(session, loan)
        catch_up(session, tenant_id, ctx, day, "eod")
        close_day(session, tenant_id, ctx, day)
        done += 1
    return done


def run_eod(
    factory: sessionmaker[Session], tenant_id: int, partition_size: int = 20_000
) -> EodSummary:
    """Close the tenant's business date for every loan, then advance it by one day."""
    with factory() as session:
        day = tenant_repository.business_date(session, tenant_id)
        ids = loan_repository.active_loan_ids(session, tenant_id, before=day)
    partitions = [ids[i : i + partition_size] for i in range(0, len(ids), partition_size)]
    loans = 0
    for part in partitions:
        with factory() as session:
            loans += run_partition(session, tenant_id, part, day)
            session.commit()
    with factory() as session:
        remaining = loan_repository.active_loan_ids(session, tenant_id, before=day)
        if remaining:
            raise RuntimeError(
                f"{len(remaining)} loans not through {day}; business date not advanced"
            )
        tenant_repository.set_business_date(session, tenant_id, day, day + timedelta(days=1))
        session.commit()
    log.info("end-of-day %s: %d loans in %d partitions", day, loans, len(partitions))
    return EodSummary(day, day + timedelta(days=1), loans, len(partitions))
