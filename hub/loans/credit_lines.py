"""Revolving credit / overdraft lines: open, draw, repay, close the day, view.

The maths is :mod:`lms_core.loans.revolving`; this module loads a line (row
locked), calls it, and books the result. Every money movement is one balanced journal
built by :mod:`lms_core.ledger.credit_lines` (drawdown, repayment, the day's accrual
and billing; no loan id on the postings: the line is identified by the journal's
``external_ref`` ``cl:<line id>:...`` and by its own sub-ledger tables).

Drawdowns and repayments take effect on the tenant's business date (no back-dating
on lines). :func:`close_lines_day` is the end-of-day step; it is idempotent per
(line, day) through ``accrued_through`` and per-day journal references. Services
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.platform.eod.steps import FinaliseContext
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from lms_core.accrual import AccrualState
from lms_core.daycount import DayCount
from lms_core.ledger import Journal
from lms_core.ledger import credit_lines as journals
from lms_core.loans import revolving
from lms_core.loans.revolving import LineDueKind, LineTerms, OpenLineDue
from lms_core.money import ZERO, Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import credit_line_repository as repo
from lms_core.persistence.loans.credit_line_models import CreditLine, CreditLineDue, CreditLineTxn
from lms_core.persistence.platform import tenant_repository

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LineIn:
    line_number: str
    limit: Decimal
    annual_rate: Decimal
    valid_from: date
    valid_until: date
    billing_day: int = 1
    day_count: str = "ACT/365F"
    currency: str = "INR"
    borrower_name: str = ""
    external_ref: str | None = None


def terms_of(line: CreditLine) -> LineTerms:
    return LineTerms(
        line.limit_amount,
        line.annual_rate,
        DayCount(line.day_count),
        line.billing_day,
        line.valid_from,
        line.valid_until,
    )


def _refuse(what: str, problems) -> None:
    if problems:
        raise Unprocessable(what, problems=[FieldProblem(p.field, p.message) for p in problems])


def open_line(session: Session, tenant_id: int, body: LineIn, actor: str) -> CreditLine:
    """Open a line on the business date; raises Unprocessable (bad terms) or Conflict."""
    try:
        day_count = DayCount(body.day_count)
    except ValueError:
        raise Unprocessable(
            "credit line refused",
            problems=[FieldProblem("day_count", f"unknown day count {body.day_count!r}")],
        ) from None
    terms = LineTerms(
        body.limit, body.annual_rate, day_count, body.billing_day, body.valid_from, body.valid_until
    )
    _refuse("credit line refused", revolving.terms_problems(terms))
    if repo.by_number(session, tenant_id, body.line_number) is not None:
        raise Conflict(f"credit line {body.line_number} exists already")
    today = tenant_repository.business_date(session, tenant_id)
    line = CreditLine(
        tenant_id=tenant_id,
        line_number=body.line_number,
        currency=str(Currency(body.currency)),
        limit_amount=body.limit,
        annual_rate=body.annual_rate,
        day_count=str(day_count),
        billing_day=body.billing_day,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        status="active",
        drawn=ZERO,
        period_start=today,
        period_precise=ZERO,
        period_posted=ZERO,
        accrued_through=today - _DAY,
        borrower_name=body.borrower_name,
        external_ref=body.external_ref,
    )
    session.add(line)
    session.flush()
    return line


def _locked(session: Session, tenant_id: int, line_id: int) -> CreditLine:
    line = repo.get_line(session, tenant_id, line_id, lock=True)
    if line is None:
        raise NotFound(f"credit line {line_id} not found")
    return line


def _known(session: Session, line: CreditLine, ref: str | None, kind: str, amount: Decimal):
    """Return the transaction already posted under ``ref`` (Conflict if it differs)."""
    if not ref:
        return None
    txn = repo.txn_by_ref(session, line.id, ref)
    if txn is not None and (txn.kind != kind or txn.amount != amount):
        raise Conflict(f"reference {ref!r} was used for another {txn.kind} ({txn.id})")
    return txn


def _check_active(line: CreditLine, currency: str) -> None:
    if line.status != "active":
        raise Conflict(f"credit line {line.line_number} is {line.status}")
    if currency != line.currency:
        raise Unprocessable(
            "credit line transaction refused",
            problems=[
                FieldProblem("currency", f"{currency} differs from the line's {line.currency}")
            ],
        )


def draw(
    session: Session,
    tenant_id: int,
    line_id: int,
    amount: Decimal,
    actor: str,
    *,
    currency: str = "INR",
    external_ref: str | None = None,
) -> CreditLineTxn:
    """Draw ``amount`` on the business date; raises Unprocessable naming what is available."""
    line = _locked(session, tenant_id, line_id)
    known = _known(session, line, external_ref, "drawdown", amount)
    if known is not None:
        return known
    _check_active(line, currency)
    today = tenant_repository.business_date(session, tenant_id)
    _refuse(
        "drawdown refused", revolving.drawdown_problems(terms_of(line), line.drawn, amount, today)
    )
    line.drawn += amount
    txn = _txn(session, line, "drawdown", today, amount, external_ref, principal=amount)
    _post(session, tenant_id, txn, journals.drawdown(_of(line), txn.id, today, amount), actor)
    return txn


def repay(
    session: Session,
    tenant_id: int,
    line_id: int,
    amount: Decimal,
    actor: str,
    *,
    currency: str = "INR",
    channel: str = "neft",
    external_ref: str | None = None,
) -> CreditLineTxn:
    """Repay on the business date: open dues (fees, interest) first, then principal."""
    line = _locked(session, tenant_id, line_id)
    known = _known(session, line, external_ref, "repayment", amount)
    if known is not None:
        return known
    _check_active(line, currency)
    today = tenant_repository.business_date(session, tenant_id)
    rows = {d.id: d for d in repo.open_dues(session, line.id)}
    offered = [
        OpenLineDue(d.id, LineDueKind(d.kind), d.due_date, d.amount - d.paid) for d in rows.values()
    ]
    split = revolving.allocate_repayment(amount, offered, line.drawn)
    if isinstance(split, revolving.LineProblem):
        _refuse("repayment refused", [split])
    for due_id, part in split.dues:
        rows[due_id].paid += part
    line.drawn -= split.principal
    txn = _txn(
        session,
        line,
        "repayment",
        today,
        amount,
        external_ref,
        principal=split.principal,
        interest=split.interest,
        fees=split.fees,
        channel=channel,
    )
    journal = journals.repayment(
        _of(line), txn.id, today, split.fees, split.interest, split.principal
    )
    _post(session, tenant_id, txn, journal, actor)
    return txn


def _txn(session, line, kind, day, amount, ref, **parts) -> CreditLineTxn:
    txn = CreditLineTxn(
        line_id=line.id,
        kind=kind,
        business_date=day,
        amount=amount,
        drawn_after=line.drawn,
        external_ref=ref,
        **parts,
    )
    session.add(txn)
    session.flush()
    return txn


def _of(line: CreditLine) -> journals.Line:
    return journals.Line(line.id, line.line_number, Currency(line.currency))


def _post(session, tenant_id, txn: CreditLineTxn, journal: Journal | None, actor: str) -> None:
    if journal is not None:
        txn.journal_id = ledger_repository.post(session, tenant_id, journal, actor).journal_id


def close_lines_step(ctx: FinaliseContext) -> None:
    """End-of-day step (once per tenant and date): the revolving lines' day."""
    close_lines_day(ctx.session, ctx.tenant_id, ctx.day, ctx.actor)


def close_lines_day(session: Session, tenant_id: int, day: date, actor: str = "eod") -> int:
    """End-of-day for every active line not through ``day``: accrue, bill; return how many.

    Missed days (a line behind) are run first, each on the line's current balance,
    which is right because line transactions only happen on the business date.
    """
    lines = repo.lines_to_close(session, tenant_id, day)
    for line in lines:
        while line.accrued_through < day:
            _close_line_day(session, tenant_id, line, line.accrued_through + _DAY, actor)
    return len(lines)


def _close_line_day(session, tenant_id: int, line: CreditLine, day: date, actor: str) -> None:
    state = AccrualState(line.period_start, line.period_precise, line.period_posted)
    accrued = revolving.accrue(state, day, line.drawn, line.annual_rate, DayCount(line.day_count))
    repo.add_accruals(
        session, [{"line_id": line.id, "day": day, "balance": line.drawn, "amount": accrued.amount}]
    )
    state, billed = accrued.state, ZERO
    if revolving.bills_after(day, line.billing_day):
        billed = state.posted
        _bill(session, line, state, day + _DAY)
        state = AccrualState(day + _DAY)
    line.period_start, line.period_precise, line.period_posted = (
        state.anchor,
        state.precise,
        state.posted,
    )
    line.accrued_through = day
    journal = journals.day_end(_of(line), day, accrued.amount, billed)
    if journal is not None:
        ledger_repository.post(session, tenant_id, journal, actor)


def _bill(session, line: CreditLine, state: AccrualState, due_date: date) -> None:
    if state.posted <= 0:
        return
    session.add(
        CreditLineDue(
            line_id=line.id,
            kind=str(LineDueKind.INTEREST),
            period_start=state.anchor,
            due_date=due_date,
            amount=state.posted,
            paid=ZERO,
        )
    )
    session.add(
        CreditLineTxn(
            line_id=line.id,
            kind="interest_billed",
            business_date=due_date - _DAY,
            amount=state.posted,
            interest=state.posted,
            drawn_after=line.drawn,
            external_ref=f"billing:{due_date.isoformat()}",
        )
    )


def utilisation(session: Session, line: CreditLine) -> dict[str, Any]:
    """Return the line's limit, drawn, available, utilisation % and dues outstanding."""
    due = sum((d.amount - d.paid for d in repo.open_dues(session, line.id)), ZERO)
    used = revolving.utilisation_percent(line.limit_amount, line.drawn)
    return {
        "id": line.id,
        "line_number": line.line_number,
        "status": line.status,
        "currency": line.currency,
        "limit": f"{line.limit_amount:.2f}",
        "drawn": f"{line.drawn:.2f}",
        "available": f"{revolving.available(line.limit_amount, line.drawn):.2f}",
        "utilisation_percent": f"{used:.2f}",
        "interest_due": f"{due:.2f}",
        "interest_accrued_unbilled": f"{line.period_posted:.2f}",
        "annual_rate": f"{line.annual_rate}",
        "day_count": line.day_count,
        "billing_day": line.billing_day,
        "valid_from": line.valid_from,
        "valid_until": line.valid_until,
        "accrued_through": line.accrued_through,
    }


def statement(session: Session, line: CreditLine, start: date, end: date) -> dict[str, Any]:
    """Return the line's statement for ``[start, end]``: opening, movements, closing."""
    if end < start:
        raise Unprocessable(
            "statement refused", problems=[FieldProblem("end", f"{end} is before start {start}")]
        )
    before = repo.last_txn_before(session, line.id, start)
    moves = repo.txns(session, line.id, start, end)
    days = repo.accruals(session, line.id, start, end)
    return {
        "line_number": line.line_number,
        "start": start,
        "end": end,
        "opening_drawn": f"{before.drawn_after if before else ZERO:.2f}",
        "transactions": [
            {
                "date": t.business_date,
                "kind": t.kind,
                "amount": f"{t.amount:.2f}",
                "principal": f"{t.principal:.2f}",
                "interest": f"{t.interest:.2f}",
                "fees": f"{t.fees:.2f}",
                "drawn_after": f"{t.drawn_after:.2f}",
                "reference": t.external_ref,
            }
            for t in moves
        ],
        "interest_accrued": f"{sum((a.amount for a in days), ZERO):.2f}",
        "daily_balances": [{"day": a.day, "balance": f"{a.balance:.2f}"} for a in days],
        "closing_drawn": f"{_closing(before, moves):.2f}",
    }


def _closing(before: CreditLineTxn | None, moves: list[CreditLineTxn]) -> Decimal:
    if moves:
        return moves[-1].drawn_after
    return before.drawn_after if before else ZERO
