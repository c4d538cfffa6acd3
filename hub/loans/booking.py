"""Booking a loan from terms, its schedule, disbursement and payout confirmation.

Origination will call :func:`book_loan` with the sanctioned terms; today the API does.
A loan is ``pending`` until disbursed; disbursement posts its journal (net of upfront
fees) and makes it ``active``; the payout confirmation records the UTR and moves the
money out of DISBURSEMENT_PAYABLE.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.loans.status import move
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from hub.recon.expected import Direction, ExpectedSource, record_expected
from lms_core.ledger import OWN_BOOK, Account
from lms_core.ledger import servicing as journals
from lms_core.loans.loan_day import PlannedInstallment
from lms_core.loans.product import rules_from_dict, term_problems
from lms_core.loans.status import LoanAction, LoanStatus
from lms_core.money import Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Loan, LoanCollateral, LoanParty, Product
from lms_core.persistence.platform import tenant_repository
from lms_core.schedule.build import build_schedule, fee_amounts, financed_amount
from lms_core.schedule.terms import FeeKind, LoanTerms, PayableTo
from lms_core.terms_json import parse_terms


@dataclass(frozen=True)
class PartyIn:
    role: str
    name: str
    mobile: str | None = None
    pan: str | None = None


def mask_pan(pan: str | None) -> str | None:
    """Return a PAN with only its last four characters visible (XXXXXX234F)."""
    if not pan:
        return None
    return "X" * (len(pan) - 4) + pan[-4:]


def _terms(product: Product, overrides: dict[str, Any]) -> tuple[LoanTerms, dict[str, Any]]:
    payload = {**product.rules.get("terms_defaults", {}), **overrides}
    terms, problems = parse_terms(payload)
    if terms is None:
        raise Unprocessable(
            "invalid loan terms", problems=[FieldProblem(p.field, p.message) for p in problems]
        )
    rules = rules_from_dict(product.rules)
    range_problems = term_problems(
        rules, terms.principal, terms.tenure, terms.annual_rate, str(terms.frequency)
    )
    if range_problems:
        raise Unprocessable(
            "terms outside the product", problems=[FieldProblem(f, m) for f, m in range_problems]
        )
    return terms, payload


def plan_of(terms: LoanTerms) -> tuple[list[PlannedInstallment], list[Decimal]]:
    """Return the schedule of ``terms`` as planned installments and closing balances."""
    schedule = build_schedule(terms)
    plan, balances, start = [], [], terms.disbursement_date
    for line in schedule.lines:
        plan.append(
            PlannedInstallment(
                line.number, start, line.due_date, line.principal, line.interest, line.fees
            )
        )
        balances.append(line.balance)
        start = line.due_date
    return plan, balances


def book_loan(
    session: Session,
    tenant_id: int,
    product_code: str,
    terms_in: dict[str, Any],
    parties: list[PartyIn],
    collateral: list[tuple[str, str, Decimal | None]] = (),
    external_ref: str | None = None,
    branch_id: int | None = None,
) -> Loan:
    """Create a pending loan with its first schedule; return it. Raises Unprocessable / NotFound."""
    product = loan_repository.latest_product(session, tenant_id, product_code)
    if product is None:
        raise NotFound(f"product {product_code!r} not found")
    if not any(p.role == "borrower" for p in parties):
        raise Unprocessable(
            "a loan needs a borrower",
            problems=[FieldProblem("parties", "no party with role borrower")],
        )
    terms, payload = _terms(product, terms_in)
    plan, balances = plan_of(terms)
    loan = Loan(
        tenant_id=tenant_id,
        branch_id=branch_id,
        loan_number="pending",
        product_id=product.id,
        currency=str(terms.currency),
        principal=terms.principal,
        annual_rate=terms.annual_rate,
        terms=payload,
        external_ref=external_ref,
    )
    session.add(loan)
    session.flush()
    loan.loan_number = f"LN{tenant_id:02d}{loan.id:09d}"
    for party in parties:
        session.add(
            LoanParty(
                loan_id=loan.id,
                role=party.role,
                name=party.name,
                mobile=party.mobile,
                pan_masked=mask_pan(party.pan),
            )
        )
    for kind, reference, value in collateral:
        session.add(LoanCollateral(loan_id=loan.id, kind=kind, reference=reference, value=value))
    loan_repository.save_schedule(session, loan.id, 1, plan, balances)
    loan_repository.add_event(
        session,
        loan.id,
        tenant_repository.business_date(session, tenant_id),
        "booked",
        {"product": product.code, "version": product.version},
    )
    return loan


def _deducted_fees(terms: LoanTerms, payee: PayableTo) -> Decimal:
    """Upfront fees netted from the disbursement for ``payee``, as the engine computes them."""
    own = replace(
        terms,
        fees=tuple(
            f for f in terms.fees if f.kind is FeeKind.UPFRONT_DEDUCTED and f.payable_to is payee
        ),
    )
    return fee_amounts(own, financed_amount(terms))[0]


def disburse(session: Session, tenant_id: int, loan_id: int, actor: str) -> Loan:
    """Disburse a pending loan on its disbursement date; post the journal; return the loan."""
    loan = loan_repository.get_loan(session, tenant_id, loan_id, lock=True)
    if loan is None:
        raise NotFound(f"loan {loan_id} not found")
    if loan.status != LoanStatus.PENDING:
        raise Conflict(f"loan {loan.loan_number} is {loan.status}, not pending")
    terms, _ = parse_terms(loan.terms)
    today = tenant_repository.business_date(session, tenant_id)
    if terms.disbursement_date > today:
        raise Conflict(
            f"disbursement date {terms.disbursement_date} is after the business date {today}"
        )
    lender, third = (
        _deducted_fees(terms, PayableTo.LENDER),
        _deducted_fees(terms, PayableTo.THIRD_PARTY),
    )
    journal = journals.disbursement(
        loan.id, terms.disbursement_date, loan.principal, lender, third, Currency(loan.currency)
    )
    ledger_repository.post(session, tenant_id, journal, actor)
    move(loan, LoanAction.DISBURSE)
    loan.disbursed_on = terms.disbursement_date
    loan.accrued_through = terms.disbursement_date
    loan.eod_through = terms.disbursement_date - timedelta(days=1)
    loan_repository.add_event(
        session, loan.id, today, "disbursed", {"net": str(loan.principal - lender - third)}
    )
    return loan


def confirm_payout(session: Session, tenant_id: int, loan_id: int, utr: str, actor: str) -> int:
    """Record the payout's UTR: money leaves the escrow account. Returns the journal id."""
    loan = loan_repository.get_loan(session, tenant_id, loan_id, lock=True)
    if loan is None:
        raise NotFound(f"loan {loan_id} not found")
    if loan.disbursed_on is None:
        raise Conflict(f"loan {loan.loan_number} is not disbursed")
    today = tenant_repository.business_date(session, tenant_id)
    payable = ledger_repository.balance_of(
        session, tenant_id, Account.DISBURSEMENT_PAYABLE, today, owner=OWN_BOOK, loan_id=loan.id
    )
    if payable >= 0:
        raise Conflict(f"loan {loan.loan_number} has no payout pending")
    journal = journals.payout(loan.id, today, -payable, utr, Currency(loan.currency))
    result = ledger_repository.post(session, tenant_id, journal, actor)
    loan_repository.add_event(
        session, loan.id, today, "payout", {"utr": utr, "amount": str(-payable)}
    )
    record_expected(
        session,
        tenant_id,
        source=ExpectedSource.DISBURSEMENT,
        reference=f"{loan.loan_number}:{utr}",
        amount=-payable,
        currency=loan.currency,
        direction=Direction.DEBIT,
        expected_on=today,
        loan_id=loan.id,
        utr=utr,
    )
    return result.journal_id
