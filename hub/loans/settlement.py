"""One-time settlement (OTS): an agreed amount; once paid, the rest is waived and the loan closes.

:func:`agree` (permission ``loan:writeoff``) records the amount agreed with the borrower
(below what is owed; at or above it is a foreclosure) and an optional last date; under
dual control the API calls it when a second user approves (:mod:`hub.loans.approvals`).
:func:`pay` (permission ``repayment:post``) takes a payment of at least that amount,
after the loan's day-end of the business date. The agreed amount settles the
receivables in the order of the product's ``settlement`` waterfall (its components in
order, e.g. principal, then interest, then fees, then penal); what is left of each is
waived::

    Dr ESCROW_BANK          payment
    Dr INTEREST_SUSPENSE    interest held in suspense (reversed: waived, or released to
                            income for the part collected)
    Dr WAIVER_EXPENSE       waived amounts that had been recognised as income
    Cr LOAN_PRINCIPAL, INTEREST_DUE, INTEREST_RECEIVABLE, FEES_RECEIVABLE, PENAL_RECEIVABLE
    Cr INTEREST_INCOME      collected interest released from suspense
    Cr BORROWER_ADVANCE     anything paid above the agreed amount (refundable)

The waived amounts by component are stored on the settlement; the open dues are marked
waived; the loan becomes ``settled`` and the closure certificate and events follow
(:mod:`hub.loans.closure`, closure ``settled``). Active loans only: a written-off
loan is collected by recoveries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans import closure
from hub.loans import lifecycle as lc
from hub.loans.status import move
from hub.platform.errors import Conflict, FieldProblem, Unprocessable
from lms_core.ledger import lifecycle as journals
from lms_core.ledger.lifecycle import Position
from lms_core.loans.status import LoanAction, LoanStatus
from lms_core.money import ZERO
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import lifecycle_repository, loan_repository
from lms_core.persistence.loans.lifecycle_models import LoanChange, LoanSettlement
from lms_core.waterfall import Component, LoanState


def agree(
    session: Session,
    tenant_id: int,
    loan_id: int,
    amount: Decimal,
    actor: str,
    valid_until: date | None = None,
) -> LoanSettlement:
    """Record a settlement agreed at ``amount``; return it. Raises Conflict / Unprocessable."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    lc.require_status(loan, LoanStatus.ACTIVE)
    if lifecycle_repository.open_settlement(session, loan.id) is not None:
        raise Conflict(f"loan {loan.loan_number} already has an agreed settlement")
    it = lc.through_today(session, tenant_id, loan, actor)
    owed = lc.position(session, tenant_id, loan, it.today).total
    problems = []
    if not ZERO < amount < owed:
        problems.append(FieldProblem("amount", f"must be above 0 and below what is owed, {owed}"))
    if valid_until is not None and valid_until < it.today:
        problems.append(FieldProblem("valid_until", f"{valid_until} is before the business date"))
    if problems:
        raise Unprocessable("settlement refused", problems=problems)
    row = LoanSettlement(
        tenant_id=tenant_id, branch_id=loan.branch_id, loan_id=loan.id, agreed_amount=amount,
        agreed_on=it.today, valid_until=valid_until, agreed_by=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    lc.record(
        session, loan, "settlement_agreed", it.today, actor,
        {"settlement": row.id, "agreed": lc.money(amount), "owed": lc.money(owed)},
    )  # fmt: skip
    return row


def pay(
    session: Session,
    tenant_id: int,
    loan_id: int,
    amount: Decimal,
    actor: str,
    external_ref: str | None = None,
) -> LoanChange:
    """Settle the loan with a payment of ``amount``; return the change."""
    loan = lc.get_loan(session, tenant_id, loan_id, lock=True)
    if external_ref:
        known = lifecycle_repository.change_by_ref(session, tenant_id, external_ref)
        if known is not None:
            if known.loan_id != loan.id or known.amount != amount:
                raise Conflict(
                    f"reference {external_ref!r} was used for another change ({known.id})"
                )
            return known
    lc.require_status(loan, LoanStatus.ACTIVE)
    deal = lifecycle_repository.open_settlement(session, loan.id)
    if deal is None:
        raise Conflict(f"loan {loan.loan_number} has no agreed settlement")
    it = lc.through_today(session, tenant_id, loan, actor)
    if deal.valid_until is not None and it.today > deal.valid_until:
        raise Conflict(f"the settlement of loan {loan.loan_number} lapsed on {deal.valid_until}")
    if amount < deal.agreed_amount:
        short = deal.agreed_amount - amount
        raise Unprocessable(
            "settlement payment refused",
            problems=[
                FieldProblem(
                    "amount",
                    f"{lc.money(amount)} is short of the agreed "
                    f"{lc.money(deal.agreed_amount)} by {lc.money(short)}",
                )
            ],
        )
    pos = lc.position(session, tenant_id, loan, it.today)
    order = lc.component_order(it.ctx.rules.strategy(LoanState.SETTLEMENT))
    taken, _ = lc.allocate_components(deal.agreed_amount, pos.by_component(), order)
    waived = {c: owed - taken.get(c, ZERO) for c, owed in pos.by_component().items()}
    journal_id = _post(
        session,
        tenant_id,
        loan,
        it.today,
        amount,
        deal.agreed_amount,
        pos,
        waived,
        actor,
        external_ref,
    )
    _store(deal, it.today, amount, waived)
    for row in loan_repository.due_rows(session, [loan.id])[loan.id]:
        row.waived = row.amount - row.paid
    move(loan, LoanAction.SETTLE)
    loan.closed_on = it.today
    loan.advance += amount - deal.agreed_amount
    detail = {
        "settlement": deal.id,
        "agreed": lc.money(deal.agreed_amount),
        "collected": {str(c): lc.money(v) for c, v in taken.items()},
        "waived": {str(c): lc.money(v) for c, v in waived.items()},
        "excess": lc.money(amount - deal.agreed_amount),
    }
    change = lc.record(
        session, loan, "settlement", it.today, actor, detail,
        amount=amount, journal_id=journal_id, external_ref=external_ref,
    )  # fmt: skip
    session.flush()
    closure.on_closed(session, loan, it.today)
    return change


def _post(
    session, tenant_id, loan, today, amount, agreed, pos: Position, waived, actor, ref
) -> int:
    journal = journals.settlement(lc.booking(loan, today), amount, agreed, pos, waived, ref)
    return ledger_repository.post(session, tenant_id, journal, actor).journal_id


def _store(deal: LoanSettlement, today: date, amount: Decimal, waived) -> None:
    deal.status, deal.settled_on, deal.paid_amount = "settled", today, amount
    deal.waived_principal = waived[Component.PRINCIPAL]
    deal.waived_interest = waived[Component.INTEREST]
    deal.waived_fees = waived[Component.FEE]
    deal.waived_penal = waived[Component.PENALTY]
