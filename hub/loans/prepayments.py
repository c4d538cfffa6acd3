"""Part prepayment and foreclosure: quote, then execute on the ledger.

**Part prepayment** (:func:`execute_prepayment`): the borrower pays ``amount`` of
principal before it falls due, plus the interest that amount earned from the running
period's start to the business date (lms_core.prepayment.prepay, day count of the
terms), plus the product's prepayment charge (``prepayment_charge_percent`` of the
amount) and GST on that charge if the product has ``charges_gst_percent``. The balance
is re-amortized per the product's ``prepayment_policy`` (``reduce_tenor`` keeps the EMI,
``reduce_emi`` keeps the tenor; a request may choose the other). A new schedule version
is stored, the old one kept. Installments already due are not touched, so overdue dues
and DPD are unaffected. The journal (:func:`lms_core.ledger.lifecycle.prepayment`)
takes the money in against the principal, the interest (what the old lines had
accrued on the prepaid amount out of INTEREST_RECEIVABLE, the rest as income) and the
charge and its GST.

**Foreclosure** (:func:`foreclosure_quote`, :func:`execute_foreclosure`): as of the
business date, principal not yet due + interest accrued on it since the last due date
(day count of the terms) + every due still unpaid (installments, fees, penal) + the
foreclosure charge (``foreclosure_charge_percent`` of the principal not yet due) and
its GST. Execution needs a payment of at least the quote (else 422 with the shortfall):
the schedule gets a last version whose final line, due today, is exactly the
principal, interest and charge of the quote; that line is billed, then the payment goes
through the ordinary repayment path, which settles every due and closes the loan
(closure: certificate + events, :mod:`hub.loans.closure`). Anything paid above the
quote is the repayment's excess: held for the borrower (refundable) and shown as the
loan's ``advance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans import lifecycle as lc
from hub.loans.repayments import Channel, RepaymentIn, post_repayment
from hub.loans.resync import true_up_suspense
from hub.platform.errors import Conflict, FieldProblem, Unprocessable
from lms_core.ledger import Journal
from lms_core.ledger import lifecycle as journals
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.loans.product import PrepaymentPolicy
from lms_core.loans.status import LoanStatus
from lms_core.money import ZERO
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import lifecycle_repository, loan_repository
from lms_core.persistence.loans.lifecycle_models import LoanChange
from lms_core.prepayment import PrepaymentResult, Recompute, prepay
from lms_core.prepayment import foreclosure_quote as engine_quote

POLICY_RECOMPUTE = {
    PrepaymentPolicy.REDUCE_TENOR: Recompute.KEEP_INSTALLMENT,
    PrepaymentPolicy.REDUCE_EMI: Recompute.KEEP_TENOR,
}


@dataclass(frozen=True)
class PrepaymentQuote:
    result: PrepaymentResult
    policy: PrepaymentPolicy
    billed: int
    old_installment: Decimal

    def as_dict(self) -> dict:
        r, m = self.result, lc.money
        left = r.schedule.lines[self.billed :]
        return {
            "principal": m(r.principal),
            "interest": m(r.interest),
            "charge": m(r.charge),
            "tax": m(r.tax),
            "total": m(r.total),
            "policy": str(self.policy),
            "installment_before": m(self.old_installment),
            "installment_after": m(r.schedule.installment),
            "installments_left": len(left),
            "last_due_date": left[-1].due_date.isoformat() if left else None,
        }


def _quote_prepayment(
    session: Session, it: lc.Loaded, amount: Decimal, policy: PrepaymentPolicy | None
) -> PrepaymentQuote:
    policy = policy or it.ctx.rules.prepayment_policy
    schedule = lc.current_schedule(session, it)
    billed = lc.billed_count(it.plan, it.today)
    fees = lc.charges(session, it.ctx, it.ctx.rules.prepayment_charge_percent)
    recompute = POLICY_RECOMPUTE[PrepaymentPolicy(policy)]
    result, problems = prepay(
        it.terms, schedule, billed, amount, it.today, recompute, fees
    )  # fmt: skip
    if result is None:
        raise Unprocessable(
            "prepayment refused", problems=[FieldProblem(p.field, p.message) for p in problems]
        )
    return PrepaymentQuote(result, PrepaymentPolicy(policy), billed, schedule.installment)


def quote_prepayment(
    session: Session,
    tenant_id: int,
    loan_id: int,
    amount: Decimal,
    policy: PrepaymentPolicy | None = None,
) -> PrepaymentQuote:
    """Return what prepaying ``amount`` of principal today costs and does (nothing written)."""
    loan = lc.get_loan(session, tenant_id, loan_id)
    lc.require_status(loan, LoanStatus.ACTIVE)
    return _quote_prepayment(session, lc.loaded_as_is(session, tenant_id, loan), amount, policy)


def _known(session: Session, tenant_id: int, loan_id: int, ref: str | None, amount: Decimal):
    if not ref:
        return None
    change = lifecycle_repository.change_by_ref(session, tenant_id, ref)
    if change is not None and (
        change.loan_id != loan_id or change.detail.get("asked") != str(amount)
    ):
        raise Conflict(f"reference {ref!r} was used for another change ({change.id})")
    return change


def execute_prepayment(
    session: Session,
    tenant_id: int,
    loan_id: int,
    amount: Decimal,
    actor: str,
    policy: PrepaymentPolicy | None = None,
    external_ref: str | None = None,
) -> LoanChange:
    """Prepay ``amount`` of principal today; return the change (the known one for a ref)."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    known = _known(session, tenant_id, loan.id, external_ref, amount)
    if known is not None:
        return known
    lc.require_status(loan, LoanStatus.ACTIVE)
    it = lc.through_today(session, tenant_id, loan, actor)
    quote = _quote_prepayment(session, it, amount, policy)
    plan = lc.planned(quote.result.schedule, it.terms)
    delta = lc.realign_accrual(it.plan, plan, loan.accrued_through)
    journal = _prepayment_journal(loan, it.today, quote.result, delta, external_ref)
    journal_id = ledger_repository.post(session, tenant_id, journal, actor).journal_id
    old_version = loan.schedule_version
    lc.save_version(session, loan, plan)
    true_up_suspense(session, tenant_id, loan, it.today, actor)
    detail = {
        **quote.as_dict(),
        "asked": str(amount),
        "accrual_realigned": lc.money(delta),
        "installment": str(quote.result.schedule.installment),
    }
    return lc.record(
        session, loan, "prepayment", it.today, actor, detail,
        amount=quote.result.total, from_version=old_version, to_version=loan.schedule_version,
        journal_id=journal_id, external_ref=external_ref,
    )  # fmt: skip


def _prepayment_journal(loan, today: date, r: PrepaymentResult, delta: Decimal, ref) -> Journal:
    at = lc.booking(loan, today)
    return journals.prepayment(at, r.total, r.principal, r.interest, r.charge, r.tax, delta, ref)


@dataclass(frozen=True)
class ForeclosureFigures:
    as_of: date
    billed: int
    principal: Decimal  # not yet due
    accrued_interest: Decimal
    overdue: dict[str, Decimal]  # principal, interest, fees, penal still unpaid
    charge: Decimal
    tax: Decimal
    advance: Decimal

    @property
    def total(self) -> Decimal:
        return (
            self.principal
            + self.accrued_interest
            + sum(self.overdue.values(), ZERO)
            + self.charge
            + self.tax
        )

    def as_dict(self) -> dict:
        m = lc.money
        return {
            "as_of": self.as_of.isoformat(),
            "principal_outstanding": m(self.principal),
            "accrued_interest": m(self.accrued_interest),
            "overdue": {k: m(v) for k, v in self.overdue.items()},
            "foreclosure_charge": m(self.charge),
            "tax": m(self.tax),
            "total": m(self.total),
            "advance_held": m(self.advance),
        }


def _unpaid(session: Session, it: lc.Loaded, billed: int) -> dict[str, Decimal]:
    """Return what is due and unpaid today, by component, before today's day-end charges.

    Today's own penal charge is left out: a payment dated today settles the dues before
    the day-end, so the replay that posts it never charges that day's penal.
    """
    rows = loan_repository.due_rows(session, [it.loan.id])[it.loan.id]
    out = {"principal": ZERO, "interest": ZERO, "fees": ZERO, "penal": ZERO}
    slot = {"principal": "principal", "interest": "interest", "fee": "fees", "penalty": "penal"}
    raised = set()
    for r in rows:
        out[slot[r.component]] += r.amount - r.paid - r.waived
        if r.kind == "installment":
            raised.add(r.installment)
    for line in it.plan[:billed]:  # due today, not raised yet (the day-end has not run)
        if line.number not in raised:
            out["principal"] += line.principal
            out["interest"] += line.interest
            out["fees"] += line.fees
    today_penal = loan_repository.penal_charges(session, it.loan.id, it.today)
    out["penal"] -= sum((a for d, _, a in today_penal if d == it.today), ZERO)
    return out


def _figures(session: Session, it: lc.Loaded) -> ForeclosureFigures:
    schedule = lc.current_schedule(session, it)
    billed = lc.billed_count(it.plan, it.today)
    fees = lc.charges(session, it.ctx, it.ctx.rules.foreclosure_charge_percent)
    overdue = _unpaid(session, it, billed)
    q = engine_quote(it.terms, schedule, it.today, sum(overdue.values(), ZERO), fees)
    return ForeclosureFigures(
        it.today, billed, q.principal, q.accrued_interest, overdue, q.charge, q.tax,
        it.loan.advance,
    )  # fmt: skip


def foreclosure_quote(session: Session, tenant_id: int, loan_id: int) -> ForeclosureFigures:
    """Return what closes the loan on the business date (nothing written)."""
    loan = lc.get_loan(session, tenant_id, loan_id)
    lc.require_status(loan, LoanStatus.ACTIVE)
    return _figures(session, lc.loaded_as_is(session, tenant_id, loan))


def execute_foreclosure(
    session: Session,
    tenant_id: int,
    loan_id: int,
    amount: Decimal,
    actor: str,
    channel: Channel = Channel.NEFT,
    reference: str | None = None,
    external_ref: str | None = None,
) -> LoanChange:
    """Close the loan with a payment of ``amount`` (at least the quote); return the change."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    known = _known(session, tenant_id, loan.id, external_ref, amount)
    if known is not None:
        return known
    lc.require_status(loan, LoanStatus.ACTIVE)
    it = lc.through_today(session, tenant_id, loan, actor)
    q = _figures(session, it)
    if amount < q.total:
        raise Unprocessable(
            "foreclosure refused",
            problems=[
                FieldProblem(
                    "amount",
                    f"{lc.money(amount)} is short of the quote {lc.money(q.total)} "
                    f"by {lc.money(q.total - amount)}",
                )
            ],
            extra={"quote": lc.money(q.total), "shortfall": lc.money(q.total - amount)},
        )
    old_version = loan.schedule_version
    journal_id = _final_line(session, tenant_id, it, q, actor)
    change = lc.record(
        session, loan, "foreclosure", it.today, actor, {**q.as_dict(), "asked": str(amount)},
        amount=amount, from_version=old_version, to_version=loan.schedule_version,
        journal_id=journal_id, external_ref=external_ref,
    )  # fmt: skip
    body = RepaymentIn(amount, loan.currency, channel, it.today, reference, _rep_ref(change))
    rep = post_repayment(session, tenant_id, loan.id, body, actor)
    if loan.status != LoanStatus.CLOSED:
        raise Conflict(f"loan {loan.loan_number} did not close; nothing was posted")
    change.detail = {**change.detail, "repayment": rep.id, "excess": lc.money(rep.excess)}
    return change


def _rep_ref(change: LoanChange) -> str:
    return change.external_ref or f"foreclosure:{change.id}"


def _final_line(
    session: Session, tenant_id: int, it: lc.Loaded, q: ForeclosureFigures, actor: str
) -> int | None:
    """Store the closing schedule version and bill its final line; return the journal id."""
    loan = it.loan
    if q.billed == len(it.plan):
        return None  # past maturity: every line is due already, the dues are the quote
    start = it.plan[q.billed].period_start
    final = PlannedInstallment(
        q.billed + 1, start, it.today, q.principal, q.accrued_interest, q.charge + q.tax
    )
    plan = [*it.plan[: q.billed], final]
    delta = lc.realign_accrual(it.plan, plan, loan.accrued_through)
    lc.save_version(session, loan, plan)
    at = lc.booking(loan, it.today)
    journal = journals.foreclosure_billing(at, q.accrued_interest, q.charge, q.tax, delta)
    if journal is None:
        return None
    return ledger_repository.post(session, tenant_id, journal, actor).journal_id
