"""Bulk repayments: many payment records (a collections file, ACH successes) posted at once.

:func:`post_repayments` gives every record an outcome: *applied* (a repayment posted),
*duplicate* (its ``external_ref`` was posted before, for the same loan and amount) or
*rejected* (a reason naming the record and the field). A bad record never stops the
good ones. The effect on each loan is **exactly** what posting the records one by one
with :func:`hub.loans.repayments.post_repayment` gives (same allocations, excess,
dues, closure and ledger postings); ``tests/loans/test_bulk_repayments.py`` checks it.

How it stays fast: the batch is screened with a few set-based queries (loans by id or
number, known references), the loans are locked in id order and their state loaded in
bulk, each loan's payments run through the pure replay (:mod:`lms_core.loans.loan_day`)
in one go, and the new rows go out by COPY (see :mod:`hub.loans.bulk_posting`).
Loans the batched path cannot vouch for take the one-by-one path inside a savepoint:
back-dated payments, loans behind on end-of-day or already paid today, NPA loans and
loans holding interest in suspense.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.orm import Session

from hub.loans import bulk_posting
from hub.loans.repayments import Channel, RepaymentIn, post_repayment
from hub.platform.errors import SangamError
from lms_core.persistence.loans import bulk_repayment_repository as repo
from lms_core.persistence.platform import tenant_repository

CHANNELS = frozenset(str(c) for c in Channel)


@dataclass(frozen=True)
class PaymentRecord:
    """One payment to post. ``record`` numbers it in its source (a file's line).

    Name the loan by ``loan_id`` or ``loan_number``; ``value_date`` None means the
    business date; ``external_ref`` (the bank's or rail's unique reference) is required:
    it is what makes a re-sent file or a retried call post nothing twice.
    """

    record: int
    amount: Decimal
    external_ref: str
    loan_id: int | None = None
    loan_number: str | None = None
    value_date: date | None = None
    channel: str = "neft"
    currency: str = "INR"
    reference: str | None = None


class Result(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class PaymentOutcome:
    record: int
    external_ref: str | None
    result: Result
    repayment_id: int | None = None
    loan_id: int | None = None
    field: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BulkResult:
    outcomes: tuple[PaymentOutcome, ...]
    batched: int = 0  # applied through the batched path (the rest one by one)

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result is result)


@dataclass
class _Batch:
    """A chunk's working state (mutable on purpose: filled step by step)."""

    today: date
    outcomes: dict[int, PaymentOutcome] = field(default_factory=dict)
    loan_of: dict[int, int] = field(default_factory=dict)  # record index -> loan id

    def reject(self, i: int, rec: PaymentRecord, fld: str, reason: str) -> None:
        loan = self.loan_of.get(i)
        self.outcomes[i] = PaymentOutcome(
            rec.record, rec.external_ref, Result.REJECTED, None, loan, fld, reason
        )


def post_repayments(
    session: Session,
    tenant_id: int,
    records: Iterable[PaymentRecord],
    actor: str,
    *,
    chunk_size: int = 20_000,
) -> BulkResult:
    """Post ``records``; return one outcome per record, in the records' order.

    Runs in the caller's transaction (never commits); each chunk of ``chunk_size``
    records is loaded and written set-wise. Raises nothing for a bad record (it gets a
    ``rejected`` outcome); database errors propagate and the caller's transaction
    rolls back whole, so a re-run is safe (references make it idempotent).
    """
    with _no_cyclic_gc():
        return _post_all(session, tenant_id, records, actor, chunk_size)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a bulk post.

    A chunk allocates hundreds of thousands of short-lived, acyclic objects (rows,
    Decimals, postings); each allocation burst triggers collections that walk every
    live object, the whole file's records included: ~15 % of the Python time at 20,000
    records, more for a bigger file. Reference counting frees all of it anyway; the
    collector runs again when this returns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _post_all(session, tenant_id, records, actor, chunk_size) -> BulkResult:
    today = tenant_repository.business_date(session, tenant_id)
    outcomes: list[PaymentOutcome] = []
    batched, chunk = 0, []
    for rec in records:
        chunk.append(rec)
        if len(chunk) == chunk_size:
            done, fast = _post_chunk(session, tenant_id, chunk, actor, today)
            outcomes += done
            batched, chunk = batched + fast, []
    if chunk:
        done, fast = _post_chunk(session, tenant_id, chunk, actor, today)
        outcomes += done
        batched += fast
    return BulkResult(tuple(outcomes), batched)


def _post_chunk(
    session: Session, tenant_id: int, records: Sequence[PaymentRecord], actor: str, today: date
) -> tuple[list[PaymentOutcome], int]:
    batch = _Batch(today)
    live = _screen(batch, records)
    live = _resolve_loans(session, tenant_id, batch, records, live)
    live = _known_references(session, tenant_id, batch, records, live)
    states = {s.id: s for s in repo.lock_loan_states(session, tenant_id, _loans(batch, live))}
    by_loan: dict[int, list[int]] = defaultdict(list)
    for i in live:
        by_loan[batch.loan_of[i]].append(i)
    prepared = bulk_posting.prepare(session, tenant_id, states, by_loan, records, today)
    for loan_id in sorted(prepared.slow):
        _one_by_one(session, tenant_id, batch, records, by_loan.pop(loan_id), actor)
    session.flush()
    fates = bulk_posting.post_batched(
        session, tenant_id, states, by_loan, records, actor, today, prepared
    )
    session.expire_all()  # rows changed under the ORM by COPY / set-wise updates
    for i, fate in fates.items():
        rec = records[i]
        if fate.repayment_id is None:
            batch.reject(i, rec, fate.field, f"record {rec.record}: {fate.reason}")
        else:
            batch.outcomes[i] = PaymentOutcome(
                rec.record, rec.external_ref, Result.APPLIED, fate.repayment_id, batch.loan_of[i]
            )
    applied = sum(1 for f in fates.values() if f.repayment_id is not None)
    return [batch.outcomes[i] for i in range(len(records))], applied


def _screen(batch: _Batch, records: Sequence[PaymentRecord]) -> list[int]:
    """Reject records whose own fields are wrong; return the indexes still in play."""
    live = []
    for i, rec in enumerate(records):
        if not rec.external_ref:
            batch.reject(i, rec, "external_ref", f"record {rec.record}: external_ref is required")
        elif rec.loan_id is None and not rec.loan_number:
            batch.reject(i, rec, "loan_id", f"record {rec.record}: give loan_id or loan_number")
        elif rec.channel not in CHANNELS:
            batch.reject(i, rec, "channel", f"record {rec.record}: unknown channel {rec.channel!r}")
        elif not isinstance(rec.amount, Decimal) or not rec.amount.is_finite():
            batch.reject(i, rec, "amount", f"record {rec.record}: amount {rec.amount!r}")
        else:
            live.append(i)
    return live


def _resolve_loans(session, tenant_id, batch: _Batch, records, live: list[int]) -> list[int]:
    ids = {records[i].loan_id for i in live if records[i].loan_id is not None}
    numbers = {records[i].loan_number for i in live if records[i].loan_id is None}
    found = repo.loans_by_refs(session, tenant_id, sorted(ids), sorted(numbers))
    by_id = {r.id: r.id for r in found}
    by_number = {r.loan_number: r.id for r in found}
    kept = []
    for i in live:
        rec = records[i]
        loan = by_id.get(rec.loan_id) if rec.loan_id is not None else by_number.get(rec.loan_number)
        if loan is None:
            fld, name = (
                ("loan_id", rec.loan_id)
                if rec.loan_id is not None
                else (
                    "loan_number",
                    rec.loan_number,
                )
            )
            batch.reject(i, rec, fld, f"record {rec.record}: loan {name} not found")
            continue
        batch.loan_of[i] = loan
        kept.append(i)
    return kept


def _known_references(session, tenant_id, batch: _Batch, records, live: list[int]) -> list[int]:
    """Mark references posted before (or earlier in this batch) duplicate or conflicting."""
    refs = [records[i].external_ref for i in live]
    known = {
        r.external_ref: (r.id, r.loan_id, r.amount)
        for r in repo.repayments_by_refs(session, tenant_id, refs)
    }
    first_in_batch: dict[str, int] = {}
    kept = []
    for i in live:
        rec, loan = records[i], batch.loan_of[i]
        prior = known.get(rec.external_ref)
        if prior is None and rec.external_ref in first_in_batch:
            j = first_in_batch[rec.external_ref]
            prior = (None, batch.loan_of[j], records[j].amount)
        if prior is None:
            first_in_batch[rec.external_ref] = i
            kept.append(i)
        elif prior[1] == loan and prior[2] == rec.amount:
            batch.outcomes[i] = PaymentOutcome(
                rec.record, rec.external_ref, Result.DUPLICATE, prior[0], loan
            )
        else:
            batch.reject(
                i,
                rec,
                "external_ref",
                f"record {rec.record}: reference {rec.external_ref!r} was used for another payment",
            )
    return kept


def _loans(batch: _Batch, live: list[int]) -> list[int]:
    return sorted({batch.loan_of[i] for i in live})


def _one_by_one(session, tenant_id, batch: _Batch, records, indexes: list[int], actor) -> None:
    for i in indexes:
        rec = records[i]
        body = RepaymentIn(
            rec.amount,
            rec.currency,
            Channel(rec.channel),
            rec.value_date,
            rec.reference,
            rec.external_ref,
        )
        try:
            with session.begin_nested():
                rep = post_repayment(session, tenant_id, batch.loan_of[i], body, actor)
        except SangamError as exc:
            batch.reject(i, rec, _field_of(exc), f"record {rec.record}: {_reason(exc)}")
            continue
        batch.outcomes[i] = PaymentOutcome(
            rec.record, rec.external_ref, Result.APPLIED, rep.id, batch.loan_of[i]
        )


def _field_of(exc: SangamError) -> str:
    return exc.problems[0].field if exc.problems else "loan_id"


def _reason(exc: SangamError) -> str:
    if exc.problems:
        return "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    return exc.detail
