"""Bring a loan's stored state in line with a replay of its days (see lms_core.loans.loan_day).

:func:`resync` replays a loan from ``start`` (the earliest value date a change touches)
and books the difference: dues and allocations are rewritten, a repayment whose
allocation changed gets its journal reversed and re-posted, penal charges and late
fees are trued up by adjustment journals, the asset class follows the replay, and
interest in suspense is set to what an NPA must hold. Running it twice changes
nothing the second time.

One pass per change: the loan's state is loaded once (:mod:`hub.loans.resync_load`),
replayed once, and the difference written in one place (:mod:`hub.loans.resync_write`).

A *restructured* loan is classified by RBI's restructuring norms
(:func:`lms_core.loans.classification.classify_restructured`): whether it stayed
out of default in the specified period is read from the settled history before
``start``, and the replay watches its own day-ends after it
(:func:`lms_core.loans.classification.watch_slip`), so the end of the period is
classified in the same pass.

Dues a replay raised *ahead of the day-end* (a payment valued today raises today's
installment) stay stored when a later replay no longer reaches their day (the payment
was reversed the same day): they are rewritten from the allocations that remain, so
they never show a stale ``paid``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from hub.loans.resync_load import load
from hub.loans.resync_write import write
from lms_core.ledger import OWN_BOOK, Account
from lms_core.ledger import servicing as journals
from lms_core.loans.classification import AssetClass
from lms_core.loans.loan_day import DayRules, Payment, Replay, replay
from lms_core.loans.product import ProductRules, rules_from_dict
from lms_core.loans.restructure_rules import RestructureRecord
from lms_core.money import ZERO, Currency
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository, restructure_repository
from lms_core.persistence.loans.models import Loan
from lms_core.waterfall import LoanState


@dataclass(frozen=True)
class LoanContext:
    loan: Loan
    rules: ProductRules
    restructure: RestructureRecord | None = None  # the latest restructure in force

    @property
    def day_rules(self) -> DayRules:
        rules = day_rules_of(self.rules)
        if self.restructure is None:
            return rules
        return replace(rules, restructured=self.restructure.state)


def day_rules_of(r: ProductRules) -> DayRules:
    """Return the rules a day's replay needs from the product's rules."""
    return DayRules(
        r.strategy(LoanState.STANDARD),
        r.strategy(LoanState.NPA),
        r.penal_rate,
        r.grace_days,
        r.late_fee,
        r.late_fee_after_days,
        r.npa_dpd,
    )


def context(session: Session, loan: Loan) -> LoanContext:
    product = loan_repository.product_by_id(session, loan.product_id)
    return LoanContext(loan, rules_from_dict(product.rules), restructure_of(session, loan))


def restructure_of(session: Session, loan: Loan) -> RestructureRecord | None:
    """Return the loan's latest restructure (None when it has none)."""
    if loan.schedule_version == 1:  # a restructure always makes a new schedule version
        return None
    change = restructure_repository.last_restructure(session, loan.id)
    return None if change is None else RestructureRecord.of(change.business_date, change.detail)


def resync(
    session: Session, tenant_id: int, ctx: LoanContext, start: date, today: date, actor: str
) -> Replay:
    """Replay ``ctx.loan`` from ``start`` and book the differences; return the replay.

    One pass: the loan's state is loaded once (:func:`hub.loans.resync_load.load`), the
    days are replayed once and the difference is written in one place
    (:func:`hub.loans.resync_write.write`).
    """
    book = load(session, tenant_id, ctx, start, today)
    result = replay(
        book.opening, book.plan, [Payment(r.id, r.value_date, r.amount) for r in book.payments],
        book.rules, start, book.eod_through, book.class_before,
    )  # fmt: skip
    write(session, tenant_id, ctx, book, result, today, actor)
    return result


def true_up_suspense(session: Session, tenant_id: int, loan: Loan, today: date, actor: str) -> None:
    """Hold in suspense exactly the uncollected interest of an NPA (nothing otherwise).

    That is the interest due and accrued, plus the interest a restructure capitalised
    while leaving the account an NPA (RBI: unrealised interest capitalised is not
    income); the upgrade releases it with the rest. For a change made outside a replay
    (a prepayment, a restructure); a replay trues it up as it writes.
    """
    bal = lambda account: ledger_repository.balance_of(  # noqa: E731
        session, tenant_id, account, today, owner=OWN_BOOK, loan_id=loan.id
    )
    held = -bal(Account.INTEREST_SUSPENSE)
    target = ZERO
    if loan.asset_class == AssetClass.NPA:
        record = restructure_of(session, loan)
        capitalised = record.interest_held if record is not None else ZERO
        due, receivable = bal(Account.INTEREST_DUE), bal(Account.INTEREST_RECEIVABLE)
        target = journals.suspense_target(True, due, receivable, capitalised)
    j = journals.income_recognition(loan.id, today, held, target, Currency(loan.currency))
    if j is not None:
        ledger_repository.post(session, tenant_id, j, actor)
