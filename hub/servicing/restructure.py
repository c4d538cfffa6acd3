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

**Classification (our simplified reading of RBI's prudential framework, 7 June 2019).**
Only standard and SMA accounts are restructured here, as under a resolution plan that
lets the account keep its standard class: it becomes ``standard`` with DPD 0 and is
flagged *restructured* (the history row, with ``monitoring_until`` = one year after the
first installment under the new terms, RBI's "specified period"). Restructuring an NPA
would need the interest it capitalises held in a sundry liability (not income) and a
downgrade rule; it is refused with 409 rather than done half-right.

A restructure on a day an installment falls due is refused (409): that installment's
dues would be re-raised by a later same-day replay; the next day they are arrears.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.errors import Conflict, FieldProblem, Unprocessable
from hub.servicing import lifecycle as lc
from hub.servicing.resync import true_up_suspense
from lms_core.ledger import Journal
from lms_core.money import ZERO
from lms_core.persistence import ledger_repository, loan_repository
from lms_core.persistence.lifecycle_models import LoanChange
from lms_core.prepayment import RestructurePlan, Treatment, restructure
from lms_core.schedule.lines import Schedule
from lms_core.schedule.terms import MoratoriumInterest

MONITORING_MONTHS = 12


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
    if loan.asset_class == "npa":
        raise Conflict(f"loan {loan.loan_number} is an NPA: restructuring an NPA is not supported")
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
    lc.require_status(loan, "active")
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
    _reclassify(session, loan, it.today)
    true_up_suspense(session, tenant_id, loan, it.today, actor)
    first_new = plan[billed + body.moratorium_periods].due_date
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
        "classification": "restructured_standard",
        "monitoring_until": _months_after(first_new, MONITORING_MONTHS).isoformat(),
    }
    return lc.record(
        session, loan, "restructure", it.today, actor, detail,
        from_version=old_version, to_version=loan.schedule_version, journal_id=journal_id,
    )  # fmt: skip


def _post(session, tenant_id, loan, today: date, arrears, delta: Decimal, actor) -> int | None:
    capitalised = arrears["interest"] + arrears["fees"] + arrears["penal"]
    lines = [
        lc.signed("LOAN_PRINCIPAL", capitalised, loan),
        lc.signed("INTEREST_DUE", -arrears["interest"], loan),
        lc.signed("FEES_RECEIVABLE", -arrears["fees"], loan),
        lc.signed("PENAL_RECEIVABLE", -arrears["penal"], loan),
        lc.signed("INTEREST_RECEIVABLE", delta, loan),
        lc.signed("INTEREST_INCOME", -delta, loan),
    ]
    postings = tuple(p for p in lines if p is not None)
    if not postings:
        return None
    journal = Journal("restructure", today, postings, loan_id=loan.id)
    return ledger_repository.post(session, tenant_id, journal, actor).journal_id


def _close_arrears(session: Session, loan_id: int) -> None:
    for row in loan_repository.due_rows(session, [loan_id])[loan_id]:
        row.waived = row.amount - row.paid
    session.flush()


def _reclassify(session: Session, loan, today: date) -> None:
    moved = loan.asset_class != "standard"
    loan.dpd, loan.asset_class, loan.state = 0, "standard", "standard"
    if moved:
        loan_repository.add_event(session, loan.id, today, "classification", {"to": "standard"})


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))
