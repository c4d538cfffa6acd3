"""Closing one business day for a set of loans: the bulk path and the full per-loan path.

For each active loan whose day-end has not run for ``D``:

1. accrue interest for the day (schedule-based, see lms_core.loans.accrual_plan),
   into income, or into suspense for an NPA;
2. bill installments falling due (interest moves from receivable to due; per-installment
   fees are charged);
3. replay the day: dues raised, DPD, SMA / NPA classification, late fees and penal
   charges, income recognition;
4. floating-rate loans whose reset date is ``D`` take benchmark + spread
   (:mod:`hub.loans.rate_reset`), also when ``D`` is a day a loan catches up.

Two paths give the same ledger. The *bulk path* (:func:`run_partition`) loads the
partition's loans, accruing lines and unpaid dues in one query each, takes a *quiet*
loan's day as its accrual alone (:func:`lms_core.loans.day_end.is_quiet`: most
loans on most days), computes every other loan with
:func:`lms_core.loans.day_end.close_loan_day`, and writes one journal for the
partition (postings by COPY, checked to balance once stored) and the sub-ledger rows by
COPY and set-wise updates. The *full path* (:func:`close_day`, via
:func:`hub.loans.resync.resync`) handles what the bulk path does not: loans behind
by more than a day (catch-up), loans with a payment dated today or later, and moves
into or out of NPA. Each full-path loan runs in its
own savepoint, so one loan that fails is recorded with its error and the others close.

A loan's day-end is idempotent: ``eod_through`` records the last day done, in the same
transaction as its postings.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from hub.loans import rate_reset
from hub.loans.resync import LoanContext, context, day_rules_of, resync
from hub.platform.eod.steps import PartitionContext, PartitionOutcome
from lms_core.ledger import Journal, Posting
from lms_core.ledger import servicing as journals
from lms_core.loans.accrual_plan import accrued_to, billed_between
from lms_core.loans.classification import AssetClass
from lms_core.loans.day_end import (
    LoanDayResult,
    LoanDayStart,
    close_loan_day,
    day_accrual,
    is_quiet,
)
from lms_core.loans.loan_day import DayRules, DueKey, DueKind, OpenDue
from lms_core.loans.product import ProductRules, RateType, rules_from_dict
from lms_core.loans.status import LoanStatus
from lms_core.money import ZERO, Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import eod_bulk_repository as bulk_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.eod_bulk_repository import Accrual, LoanDayEnd, NewDue
from lms_core.persistence.loans.models import Loan
from lms_core.waterfall import Component

log = logging.getLogger("sangam.eod")


# --- the full, per-loan path --------------------------------------------------------


def _day_journal(ctx: LoanContext, plan, day: date) -> Journal | None:
    loan = ctx.loan
    due_lines = billed_between(plan, loan.eod_through, day)
    lines = journals.day_end_lines(
        loan.id,
        Currency(loan.currency),
        npa=loan.asset_class == AssetClass.NPA,
        accrual=accrued_to(plan, day) - accrued_to(plan, loan.accrued_through),
        billed_interest=sum((line.interest for line in due_lines), ZERO),
        billed_fees=sum((line.fees for line in due_lines), ZERO),
    )
    return journals.day_end(loan.id, day, lines)


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
    """Run any day-ends the loan missed before ``today``; return how many ran.

    Each missed day closes as it would have on time, floating-rate reset included.
    Raises RateResetError when a reset falls on a missed day and cannot apply.
    """
    ran = 0
    while (
        ctx.loan.status == LoanStatus.ACTIVE
        and ctx.loan.eod_through is not None
        and ctx.loan.eod_through < today - timedelta(days=1)
    ):
        day = ctx.loan.eod_through + timedelta(days=1)
        reset_if_due(session, tenant_id, ctx, day, actor)
        close_day(session, tenant_id, ctx, day, actor)
        ran += 1
    return ran


def reset_if_due(session: Session, tenant_id: int, ctx: LoanContext, day: date, actor: str) -> bool:
    """Apply the floating-rate reset of a caught-up ``day`` (an installment due that day).

    :func:`run_partition` resets loans for the day it closes; a loan behind closes its
    missed days here, so a reset date among them must be applied here, before that
    day's day-end (the reset keeps the installment due that day and re-prices the next).
    Returns whether the rate changed.
    """
    if ctx.rules.rate_type is not RateType.FLOATING:
        return False
    plan = loan_repository.plans(session, [ctx.loan])[ctx.loan.id]
    if not any(line.due_date == day for line in plan):
        return False
    return rate_reset.apply(session, tenant_id, ctx.loan.id, day, actor)


def _close_one(session: Session, tenant_id: int, loan_id: int, day: date, actor: str) -> None:
    loan = session.get(Loan, loan_id)
    if loan.status != LoanStatus.ACTIVE or loan.eod_through is None or loan.eod_through >= day:
        return
    ctx = context(session, loan)
    catch_up(session, tenant_id, ctx, day, actor)
    close_day(session, tenant_id, ctx, day, actor)


# --- the partition ------------------------------------------------------------------


def _rules(session: Session, product_ids: set[int]) -> dict[int, tuple[ProductRules, DayRules]]:
    cache = session.info.setdefault("eod_rules", {})
    missing = product_ids - cache.keys()
    for pid, raw in bulk_repository.product_rules(session, missing).items():
        rules = rules_from_dict(raw)
        cache[pid] = (rules, day_rules_of(rules))
    return cache


def run_partition(
    session: Session,
    tenant_id: int,
    loan_ids: list[int],
    day: date,
    actor: str = "eod",
    *,
    bulk_path: bool = True,
) -> PartitionOutcome:
    """Close ``day`` for the given loans (skipping any not active or already through it).

    The loans' two end-of-day steps in a row (:func:`rate_resets_step`, then
    :func:`close_loans_step`): what a run's partition does for loans. ``bulk_path=False``
    sends every loan through the full path (to compare the two).

    Returns how many closed, and the loans that failed with their errors (those stay
    behind ``day``). Never commits.
    """
    ctx = PartitionContext(session, tenant_id, loan_ids, day, actor)
    rate_resets_step(ctx)
    _close_loans(ctx, bulk_path=bulk_path)
    return ctx.outcome


def _behind(session: Session, loan_ids: list[int], day: date, skip: set[int]) -> list:
    return [
        r
        for r in bulk_repository.lock_loans(session, loan_ids)
        if r.status == LoanStatus.ACTIVE
        and r.eod_through is not None
        and r.eod_through < day
        and r.id not in skip
    ]


def rate_resets_step(ctx: PartitionContext) -> None:
    """End-of-day step: floating-rate loans with an installment due today take benchmark +
    spread before their day closes. Hands the loaded loans to :func:`close_loans_step`
    when no rate changed."""
    session, day = ctx.session, ctx.day
    session.flush()
    rows = _behind(session, ctx.loan_ids, day, set())
    rules = _rules(session, {r.product_id for r in rows})
    lines = bulk_repository.current_lines(session, [(r.id, r.schedule_version) for r in rows], day)
    floating = [
        r.id
        for r in rows
        if r.id in lines
        and lines[r.id].due_date == day
        and rules[r.product_id][0].rate_type is RateType.FLOATING
    ]
    if _resets(session, ctx.tenant_id, floating, day, ctx.actor, ctx.outcome):
        session.expire_all()
        return
    ctx.scratch[_LOADED] = (rows, lines)


def close_loans_step(ctx: PartitionContext) -> None:
    """End-of-day step: the loans' day (accrual, billing, dues, DPD, SMA / NPA, penal)."""
    _close_loans(ctx, bulk_path=True)


_LOADED = "loans.day_close.loaded"  # (rows, lines) left by rate_resets_step


def _close_loans(ctx: PartitionContext, *, bulk_path: bool) -> None:
    session, day, outcome, actor = ctx.session, ctx.day, ctx.outcome, ctx.actor
    failed = outcome.failed_ids()
    loaded = ctx.scratch.pop(_LOADED, None)
    if loaded is None:
        session.flush()
        rows = _behind(session, ctx.loan_ids, day, failed)
        versions = [(r.id, r.schedule_version) for r in rows]
        lines = bulk_repository.current_lines(session, versions, day)
    else:
        rows, lines = [r for r in loaded[0] if r.id not in failed], loaded[1]
    rules = _rules(session, {r.product_id for r in rows})
    paid = bulk_repository.loans_paid_from(session, [r.id for r in rows], day)
    yesterday = day - timedelta(days=1)
    bulk = [
        r
        for r in rows
        if bulk_path
        and r.eod_through == yesterday
        and r.accrued_through == yesterday
        and r.id not in paid
    ]
    bulk_ids = {r.id for r in bulk}
    full = [r.id for r in rows if r.id not in bulk_ids]
    try:
        with session.begin_nested():
            quiet, done, rest = _bulk(session, ctx.tenant_id, bulk, lines, rules, day, actor)
    except Exception:
        log.exception("bulk day-end of %d loans failed; closing them one by one", len(bulk))
        quiet, done, rest = [], [], [r.id for r in bulk]
    session.expire_all()
    bulk_closed = len(quiet) + len(done)
    outcome.bulk, outcome.quiet = outcome.bulk + bulk_closed, outcome.quiet + len(quiet)
    for loan_id in [*full, *rest]:
        if _guarded(session, outcome, loan_id, _close_one, ctx.tenant_id, loan_id, day, actor):
            outcome.closed += 1
    outcome.closed += bulk_closed


def _guarded(session: Session, outcome: PartitionOutcome, loan_id: int, fn, *args) -> bool:
    """Run ``fn`` in a savepoint; record the loan's error and return False if it fails."""
    try:
        with session.begin_nested():
            fn(session, *args)
        return True
    except Exception as exc:  # why: one bad loan must not stop the partition
        log.exception("day-end of loan %s failed", loan_id)
        outcome.failed.append({"loan_id": loan_id, "error": f"{type(exc).__name__}: {exc}"})
        return False


def _resets(session, tenant_id, loan_ids, day, actor, outcome: PartitionOutcome) -> int:
    changed: list[int] = []

    def reset(s: Session, loan_id: int) -> None:
        if rate_reset.apply(s, tenant_id, loan_id, day, actor):
            changed.append(loan_id)

    for loan_id in loan_ids:
        _guarded(session, outcome, loan_id, reset, loan_id)
    return len(changed)


def _bulk(
    session: Session, tenant_id: int, rows: list, lines: dict, rules: dict, day: date, actor: str
) -> tuple[list[int], list[int], list[int]]:
    """Close the bulk loans; return (quiet ids, other closed ids, ids for the full path).

    Quiet loans (:func:`lms_core.loans.day_end.is_quiet`) contribute only their
    accrual; the others are computed by ``close_loan_day``.
    """
    unpaid = bulk_repository.loans_with_unpaid_dues(session, [r.id for r in rows])
    quiet, accruals, others = _quiet_accruals(rows, lines, unpaid, day)
    stored = bulk_repository.due_rows(session, sorted(unpaid))
    done, rest, results = [], [], []
    for r in others:
        line = lines.get(r.id)
        dues = [
            OpenDue(
                _key(d.kind, d.installment, d.component), d.due_date, d.amount, d.paid + d.waived
            )
            for d in stored.get(r.id, ())
        ]
        start = LoanDayStart(r.id, Currency(r.currency), AssetClass(r.asset_class))
        result = close_loan_day(start, line, dues, rules[r.product_id][1], day)
        if result is None:
            rest.append(r.id)
            continue
        done.append(r.id)
        results.append((r, result, stored.get(r.id, ())))
    _write(session, tenant_id, results, accruals, day, actor)
    bulk_repository.close_quiet_loans(session, day, quiet)
    return quiet, done, rest


_CLASSES = {str(c): c for c in AssetClass}  # a dict lookup: cheaper than AssetClass(text)


def _quiet_accruals(
    rows: list, lines: dict, unpaid: set[int], day: date
) -> tuple[list[int], list[Accrual], list]:
    """Split off the quiet loans: return their ids, their non-zero accruals, the other rows."""
    quiet, accruals, others = [], [], []
    for r in rows:
        line = lines.get(r.id)
        if is_quiet(_CLASSES[r.asset_class], line, r.id in unpaid, day):
            quiet.append(r.id)
            amount = day_accrual(line, day)
            if amount:
                accruals.append((r.id, r.currency, amount))
        else:
            others.append(r)
    return quiet, accruals, others


def _write(
    session: Session, tenant_id: int, results: list, accruals: list, day: date, actor: str
) -> None:
    postings: list[Posting] = []
    new_dues, amounts, penal, events, ends = [], [], [], [], []
    for row, res, stored in results:
        res: LoanDayResult
        postings += res.postings
        ids = {_key(d.kind, d.installment, d.component): d.id for d in stored}
        new_dues += [_new_due(row.id, d) for d in res.new_dues]
        amounts += [(ids[d.key], d.amount) for d in res.changed_dues]
        penal += [(row.id, d, i, a) for d, i, a in res.penal]
        events += [(row.id, d, "classification", {"to": str(c)}) for d, c in res.class_moves]
        npa = res.asset_class is AssetClass.NPA
        ends.append(
            LoanDayEnd(
                row.id, res.dpd, str(res.asset_class), "npa" if npa else "standard", row.npa_since
            )
        )
    if postings or accruals:
        loans = [r[0].id for r in results] + [a[0] for a in accruals]
        journal = journals.day_end_batch(day, postings, loans)
        bulk_repository.copy_journal(session, tenant_id, journal, actor, accruals)
    bulk_repository.insert_dues(session, new_dues)
    bulk_repository.set_due_amounts(session, amounts)
    bulk_repository.insert_penal_charges(session, penal)
    bulk_repository.insert_events(session, events)
    bulk_repository.close_loans(session, day, ends)


@lru_cache(maxsize=4096)
def _key(kind: str, installment: int, component: str) -> DueKey:
    return DueKey(DueKind(kind), installment, Component(component))


def _new_due(loan_id: int, due: OpenDue) -> NewDue:
    k = due.key
    return NewDue(loan_id, str(k.kind), k.installment, str(k.component), due.due_date, due.amount)
