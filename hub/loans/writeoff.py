"""Write-off of a loan to loss, and recoveries after it.

**Write-off** (:func:`write_off`, permission ``loan:writeoff``): after the loan's
day-end of the business date, every own-book receivable goes to loss::

    Dr INTEREST_SUSPENSE    the interest held in suspense (never recognised: reversed)
    Dr WRITE_OFF_EXPENSE    everything else (principal, recognised interest, fees, penal)
    Cr LOAN_PRINCIPAL, INTEREST_DUE, INTEREST_RECEIVABLE, FEES_RECEIVABLE, PENAL_RECEIVABLE

The loan becomes ``written_off``: end-of-day no longer accrues or charges it and
ordinary repayments are refused. ``loan_write_off`` keeps the amounts written off by
component; the dues stay open in the sub-ledger (the borrower still owes them). A
product's ``write_off_dpd`` (if set) is the minimum DPD; an advance held for the
borrower must be refunded or applied first (409). Under dual control (the default) the
API runs this only when a second user approves the request (:mod:`hub.loans.approvals`).

**Recovery** (:func:`recover`, permission ``repayment:post``): money received on a
written-off loan is allocated to the written-off balances in the order of the
product's ``written_off`` waterfall (its components in order, e.g. principal, then
interest, then fees, then penal) and credited to RECOVERY_INCOME (Dr ESCROW_BANK). The
loan stays written off; recovered amounts accumulate per component. More than what
is left written off is refused (422, naming the most that can be taken).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans import lifecycle as lc
from hub.loans.status import move
from hub.platform.errors import Conflict, FieldProblem, Unprocessable
from lms_core.ledger import lifecycle as journals
from lms_core.loans.status import LoanAction, LoanStatus
from lms_core.money import ZERO
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import lifecycle_repository
from lms_core.persistence.loans.lifecycle_models import LoanChange, LoanWriteOff
from lms_core.persistence.platform import tenant_repository
from lms_core.waterfall import Component, LoanState

FIELDS = {
    Component.PRINCIPAL: "principal",
    Component.INTEREST: "interest",
    Component.FEE: "fees",
    Component.PENALTY: "penal",
}


def write_off(
    session: Session, tenant_id: int, loan_id: int, reason: str, actor: str
) -> LoanChange:
    """Write the loan off to loss; return the change. Raises NotFound / Conflict."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    lc.require_status(loan, LoanStatus.ACTIVE)
    it = lc.through_today(session, tenant_id, loan, actor)
    threshold = it.ctx.rules.write_off_dpd
    if threshold is not None and loan.dpd < threshold:
        raise Conflict(
            f"loan {loan.loan_number} is {loan.dpd} DPD; the product writes off from {threshold}"
        )
    pos = lc.position(session, tenant_id, loan, it.today)
    if pos.advance != 0:
        raise Conflict(
            f"loan {loan.loan_number} holds an advance of {pos.advance}: refund or apply it first"
        )
    suspense = min(pos.suspense, pos.interest)
    journal = journals.write_off(lc.booking(loan, it.today), pos)
    journal_id = ledger_repository.post(session, tenant_id, journal, actor).journal_id
    detail = {
        "reason": reason,
        "dpd": loan.dpd,
        "asset_class": loan.asset_class,
        "principal": lc.money(pos.principal),
        "interest": lc.money(pos.interest),
        "fees": lc.money(pos.fees),
        "penal": lc.money(pos.penal),
        "suspense_reversed": lc.money(suspense),
        "expense": lc.money(pos.total - pos.suspense),
    }
    change = lc.record(session, loan, "write_off", it.today, actor, detail, journal_id=journal_id)
    session.add(
        LoanWriteOff(
            tenant_id=tenant_id,
            branch_id=loan.branch_id,
            loan_id=loan.id,
            business_date=it.today,
            principal=pos.principal,
            interest=pos.interest,
            fees=pos.fees,
            penal=pos.penal,
            change_id=change.id,
        )
    )
    move(loan, LoanAction.WRITE_OFF)
    loan.closed_on = it.today
    session.flush()
    return change


def remaining(w: LoanWriteOff) -> dict[Component, Decimal]:
    """Return what is still written off and not recovered, per component."""
    return {c: getattr(w, f) - getattr(w, f"recovered_{f}") for c, f in FIELDS.items()}


def recover(
    session: Session,
    tenant_id: int,
    loan_id: int,
    amount: Decimal,
    actor: str,
    external_ref: str | None = None,
) -> LoanChange:
    """Take a recovery of ``amount`` on a written-off loan; return the change."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    if external_ref:
        known = lifecycle_repository.change_by_ref(session, tenant_id, external_ref)
        if known is not None:
            if known.loan_id != loan.id or known.amount != amount:
                raise Conflict(
                    f"reference {external_ref!r} was used for another change ({known.id})"
                )
            return known
    lc.require_status(loan, LoanStatus.WRITTEN_OFF)
    w = lifecycle_repository.write_off_of(session, loan.id, lock=True)
    left = remaining(w)
    most = sum(left.values(), ZERO)
    if not ZERO < amount <= most:
        raise Unprocessable(
            "recovery refused",
            problems=[
                FieldProblem("amount", f"must be above 0 and at most {most} (still written off)")
            ],
        )
    ctx = lc.loaded_as_is(session, tenant_id, loan).ctx
    order = lc.component_order(ctx.rules.strategy(LoanState.WRITTEN_OFF))
    taken, _ = lc.allocate_components(amount, left, order)
    for component, part in taken.items():
        field = f"recovered_{FIELDS[component]}"
        setattr(w, field, getattr(w, field) + part)
    today = tenant_repository.business_date(session, tenant_id)
    journal = journals.recovery(lc.booking(loan, today), amount, external_ref)
    journal_id = ledger_repository.post(session, tenant_id, journal, actor).journal_id
    detail = {
        "allocated": {FIELDS[c]: lc.money(v) for c, v in taken.items()},
        "order": [str(c) for c in order],
        "still_written_off": lc.money(most - amount),
    }
    return lc.record(
        session, loan, "recovery", today, actor, detail,
        amount=amount, journal_id=journal_id, external_ref=external_ref,
    )  # fmt: skip


def tracking(w: LoanWriteOff) -> dict:
    """Return the written-off, recovered and outstanding amounts by component."""
    left = remaining(w)
    return {
        "written_off_on": w.business_date,
        "written_off": {f: lc.money(getattr(w, f)) for f in FIELDS.values()},
        "recovered": {f: lc.money(getattr(w, f"recovered_{f}")) for f in FIELDS.values()},
        "outstanding": {FIELDS[c]: lc.money(v) for c, v in left.items()},
        "total_written_off": lc.money(w.principal + w.interest + w.fees + w.penal),
        "total_recovered": lc.money(
            w.recovered_principal + w.recovered_interest + w.recovered_fees + w.recovered_penal
        ),
    }
