"""Single payments (the repayment API) posted together: the set-wise path for many callers.

The API's group commit (:mod:`hub.loans.repayment_batcher`) collects concurrent payments
and hands them here in one transaction. :func:`post_together` posts those it can vouch
for through the batched path of bulk posting (:mod:`hub.loans.bulk_posting`: a
dozen set-wise loads, COPY writes) and leaves every other payment to the caller for
:func:`hub.loans.repayments.post_repayment`, one by one, which then gives exactly
today's result or error.

*Vouch for* means the batched path gives what ``post_repayment`` gives, which
``tests/loans/test_repayment_batch.py`` checks: the loan exists and is active, every
payment of the loan in the batch is positive, in the loan's currency and valued today,
and the loan is on the bulk path's fast side (end-of-day through yesterday, no payment
yet valued today, not NPA, nothing in interest suspense). A payment the batched path
refuses after all (the loan closed with an earlier payment of the same batch) is left
to the caller as well, so its error is the one-by-one path's error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans import bulk_posting
from lms_core.loans.status import LoanStatus
from lms_core.persistence.loans import bulk_repayment_repository as repo


@dataclass(frozen=True)
class SinglePayment:
    """One API payment (the fields of :class:`hub.loans.repayments.RepaymentIn`)."""

    loan_id: int
    amount: Decimal
    currency: str
    channel: str
    value_date: date | None = None
    reference: str | None = None
    external_ref: str | None = None  # the API sets none; the bulk writer reads the field


@dataclass(frozen=True)
class PostedTogether:
    """A payment posted on the batched path: its repayment and what went to the advance."""

    repayment_id: int
    excess: Decimal


def post_together(
    session: Session,
    tenant_id: int,
    payments: Sequence[SinglePayment],
    actor: str,
    today: date,
) -> list[PostedTogether | None]:
    """Post what the batched path vouches for; return per payment its posting, or None
    for the payments the caller must post one by one (nothing was written for those).

    Locks every named loan in id order first (concurrent batches cannot deadlock) and
    runs in the caller's transaction.
    """
    states = {s.id: s for s in repo.lock_loan_states(session, tenant_id, _loan_ids(payments))}
    by_loan: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(payments):
        by_loan[p.loan_id].append(i)
    fast = {
        lid: idx
        for lid, idx in by_loan.items()
        if lid in states and all(_plain(states[lid], payments[i], today) for i in idx)
    }
    if not fast:
        return [None] * len(payments)
    prepared = bulk_posting.prepare(session, tenant_id, states, fast, payments, today)
    for lid in prepared.slow:
        del fast[lid]
    if not fast:
        return [None] * len(payments)
    fates = bulk_posting.post_batched(
        session, tenant_id, states, fast, payments, actor, today, prepared
    )
    session.expire_all()  # rows changed under the ORM by COPY / set-wise updates
    result: list[PostedTogether | None] = [None] * len(payments)
    for i, fate in fates.items():
        if fate.repayment_id is not None:
            result[i] = PostedTogether(fate.repayment_id, fate.excess)
    return result


def _loan_ids(payments: Sequence[SinglePayment]) -> list[int]:
    return sorted({p.loan_id for p in payments})


def _plain(state, payment: SinglePayment, today: date) -> bool:
    """True when none of ``post_repayment``'s checks can refuse the payment."""
    return (
        state.status == LoanStatus.ACTIVE
        and payment.amount > 0
        and payment.currency == state.currency
        and payment.value_date in (None, today)
        and (state.disbursed_on is None or state.disbursed_on <= today)
    )
