"""Restructure: new terms from the next installment, with history, audit and the old schedule kept.

New terms (lms_core.prepayment.restructure): ``installments`` from the next one, an
optional new ``annual_rate`` and a ``moratorium_periods`` payment holiday (its interest
is collected with the first installment after it, not capitalised, so the ledger's
principal stays what was lent plus the arrears capitalised below).

Arrears are *capitalised*: everything due and unpaid at the change (principal,
interest, fees, penal) joins the balance that is re-amortized, and the old dues are
closed in the sub-ledger (``waived`` = closed by restructure; the amounts are in the
change's history). Journal: Dr LOAN_PRINCIPAL (interest + charges capitalised) / Cr
INTEREST_DUE, FEES_RECEIVABLE, PENAL_RECEIVABLE; plus the accrual realignment of the
running period at the new rate (INTEREST_RECEIVABLE against INTEREST_INCOME).

**Classification (RBI: Prudential Framework for Resolution of Stressed Assets, 7 June
2019, Annex-1, and the IRACP Master Direction).** A standard or SMA account restructured
is downgraded to NPA; an NPA keeps its class (no upgrade on restructuring). DPD is 0
after (the arrears are capitalised). The history row records the restructure's state:
``specified_period_end`` (RBI's specified period, see
lms_core.loans.restructure_rules), ``dpd_tolerance``, ``downgrade`` and
``interest_held``; the day-ends classify the account by it
(lms_core.loans.classification.classify_restructured): NPA through the period,
upgraded at the day-end of its last day only if it was never in default in it, NPA
for good if it was. The product's ``restructure_keeps_standard`` (true only where a
resolution framework allows it) keeps a standard account standard instead.

**Income.** The interest an NPA's restructure capitalises is unrealised: it stays out
of income, held in INTEREST_SUSPENSE with the rest of the NPA's uncollected interest
(RBI's "Sundry Liabilities (Interest Capitalisation)"), until the upgrade releases it;
a standard account downgraded here has the interest it capitalises reversed from income
the same way.

A restructure on a day an installment falls due is refused (409): that installment's
dues would be re-raised by a later same-day replay; the next day they are arrears.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans import lifecycle as lc
from hub.loans.resync import restructure_of, true_up_suspense
from hub.platform.errors import Conflict, FieldProblem, Unprocessable
from lms_core.ledger import lifecycle as journals
from lms_core.loans.classification import AssetClass
from lms_core.loans.restructure_rules import (
    PERIOD_MONTHS,
    RestructurePolicy,
    months_after,
    specified_period_end,
)
from lms_core.loans.status import LoanStatus
from lms_core.money import ZERO
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.lifecycle_models import LoanChange
from lms_core.prepayment import RestructurePlan, Treatment, restructure
from lms_core.schedule.lines import Schedule
from lms_core.schedule.terms import MoratoriumInterest


@dataclass(frozen=True)
class RestructureIn:
    installments: int
    annual_rate: Decimal | None = None
    moratorium_periods: int = 0
    reason: str = ""


def _arrears(session: Session, loan_id: int) -> dict[str, Decimal]:
    out = {"principal": ZERO, "interest": ZERO, "fees": ZERO, "penal": ZERO}
    slot = {"principal": "principal", "interest": "interest", "fee": "fees", "penalty": "penal"}
    for r in loan_repository.due_rows(session, [loan_id])[loan_id]:
        out[slot[r.component]] += r.amount - r.paid - r.waived
    return out


def _owing_after(schedule: Schedule, billed: int, unpaid_principal: Decimal) -> Schedule:
    """The schedule with the due installments' unpaid principal still owed after them."""
    if billed == 0:
        return schedule
    last = schedule.lines[billed - 1]
    lines = list(schedule.lines)
    lines[billed - 1] = last._replace(balance=last.balance + unpaid_principal)
    return replace(schedule, lines=tuple(lines))


def _check(loan, it: lc.Loaded, billed: int) -> None:
    if billed and it.plan[billed - 1].due_date == it.today:
        raise Conflict(
            f"installment {billed} of loan {loan.loan_number} falls due today; "
            "restructure from tomorrow, when it is part of the arrears"
        )


def restructure_loan(
    session: Session, tenant_id: int, loan_id: int, body: RestructureIn, actor: str
) -> LoanChange:
    """Restructure the loan with ``body``'s terms; return the change (history row)."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    lc.require_status(loan, LoanStatus.ACTIVE)
    it = lc.through_today(session, tenant_id, loan, actor)
    billed = lc.billed_count(it.plan, it.today)
    _check(loan, it, billed)
    schedule = lc.current_schedule(session, it)
    arrears = _arrears(session, loan.id)
    plan_in = RestructurePlan(
        installments=body.installments,
        annual_rate=body.annual_rate,
        moratorium_periods=body.moratorium_periods,
        moratorium_interest=MoratoriumInterest.COLLECT_LATER,
        overdue_interest=arrears["interest"],
        overdue_charges=arrears["fees"] + arrears["penal"],
        treatment=Treatment.CAPITALISE,
    )
    owing = _owing_after(schedule, billed, arrears["principal"])
    new, problems = restructure(it.terms, owing, billed, plan_in)
    if new is None:
        raise Unprocessable(
            "restructure refused", problems=[FieldProblem(p.field, p.message) for p in problems]
        )
    plan = lc.planned(new, it.terms)
    delta = lc.realign_accrual(it.plan, plan, loan.accrued_through)
    journal_id = _post(session, tenant_id, loan, it.today, arrears, delta, actor)
    _close_arrears(session, loan.id)
    old_version, old_rate = loan.schedule_version, loan.annual_rate
    lc.save_version(session, loan, plan)
    if body.annual_rate is not None:
        loan.annual_rate = body.annual_rate
        loan.terms = {**loan.terms, "annual_rate": str(body.annual_rate)}
    policy = _policy(session, loan)
    was = AssetClass(loan.asset_class)
    npa = was is AssetClass.NPA or not policy.keeps_standard
    _reclassify(session, loan, it.today, npa)
    until = specified_period_end(plan[billed:], policy.repaid_percent) or months_after(
        it.today, PERIOD_MONTHS
    )
    detail = {
        "reason": body.reason,
        "installments": body.installments,
        "annual_rate_before": str(old_rate),
        "annual_rate_after": str(loan.annual_rate),
        "moratorium_periods": body.moratorium_periods,
        "installment_before": lc.money(schedule.installment),
        "installment": str(new.installment),
        "capitalised": {k: lc.money(v) for k, v in arrears.items()},
        "accrual_realigned": lc.money(delta),
        "classification": "restructured_npa" if npa else "restructured_standard",
        "asset_class_before": str(was),
        "specified_period_end": until.isoformat(),
        "monitoring_until": until.isoformat(),
        "dpd_tolerance": policy.dpd_tolerance,
        "downgrade": not policy.keeps_standard,
        "interest_held": lc.money(_interest_held(session, loan, was, npa, arrears)),
    }
    change = lc.record(
        session, loan, "restructure", it.today, actor, detail,
        from_version=old_version, to_version=loan.schedule_version, journal_id=journal_id,
    )  # fmt: skip
    true_up_suspense(session, tenant_id, loan, it.today, actor)
    return change


def _policy(session: Session, loan) -> RestructurePolicy:
    product = loan_repository.product_by_id(session, loan.product_id)
    return RestructurePolicy.of(product.rules)


def _interest_held(session, loan, was: AssetClass, npa: bool, arrears) -> Decimal:
    """The capitalised interest kept out of income: this restructure's when the account
    is an NPA after it, plus what an earlier one held if the account stayed an NPA."""
    if not npa:
        return ZERO
    earlier = restructure_of(session, loan) if was is AssetClass.NPA else None
    # Held still only if the account has been an NPA since then (an upgrade released it).
    kept = earlier is not None and loan.npa_since <= earlier.state.on
    return arrears["interest"] + (earlier.interest_held if kept else ZERO)


def _post(session, tenant_id, loan, today: date, arrears, delta: Decimal, actor) -> int | None:
    journal = journals.restructure(
        lc.booking(loan, today), arrears["interest"], arrears["fees"], arrears["penal"], delta
    )
    if journal is None:
        return None
    return ledger_repository.post(session, tenant_id, journal, actor).journal_id


def _close_arrears(session: Session, loan_id: int) -> None:
    for row in loan_repository.due_rows(session, [loan_id])[loan_id]:
        row.waived = row.amount - row.paid
    session.flush()


def _reclassify(session: Session, loan, today: date, npa: bool) -> None:
    """DPD 0 (the arrears are capitalised); NPA, or standard where the policy keeps it."""
    to = AssetClass.NPA if npa else AssetClass.STANDARD
    moved = loan.asset_class != to
    loan.dpd, loan.asset_class, loan.state = 0, str(to), str(to)
    if not npa:
        loan.npa_since = None
    elif loan.npa_since is None:
        loan.npa_since = today
    if moved:
        loan_repository.add_event(session, loan.id, today, "classification", {"to": str(to)})
