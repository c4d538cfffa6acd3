"""The batched half of bulk repayments: many loans' payments replayed and written set-wise.

For a loan paid on the business date, whose end-of-day is through yesterday, with no
payment yet valued today, not NPA and holding nothing in interest suspense,
:func:`hub.loans.resync.resync` reduces to: raise the installments due today,
allocate today's payments in order by the product's waterfall (one replay day without a
day-end), store dues and allocations, post one repayment journal per payment, set the
advance, close the loan when nothing is left. This module does exactly that for many
loans with the same pure :func:`lms_core.loans.loan_day.replay`, then writes all
rows by COPY. :func:`prepare` sends every other loan to the one-by-one path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hub.loans.resync import LoanContext
from lms_core.ledger import Account, Journal, require_valid
from lms_core.ledger import servicing as journals
from lms_core.loans.classification import AssetClass
from lms_core.loans.loan_day import DueKey, DueKind, OpenDue, Payment, Replay, replay
from lms_core.loans.product import rules_from_dict
from lms_core.loans.status import LoanStatus
from lms_core.money import ZERO, Currency
from lms_core.persistence.loans import bulk_repayment_repository as repo
from lms_core.waterfall import Component

DAY = timedelta(days=1)


@dataclass
class Prepared:
    """Loaded state of a chunk's loans (filled by :func:`prepare`)."""

    slow: set[int]
    dues: dict[int, list[Row]] = field(default_factory=dict)
    plans: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)  # product id -> DayRules


@dataclass
class _Out:
    """Rows to write (mutable on purpose: appended loan by loan)."""

    repayments: list[tuple] = field(default_factory=list)
    dues_new: list[tuple] = field(default_factory=list)
    dues_changed: list[tuple] = field(default_factory=list)
    allocations: list[tuple] = field(default_factory=list)
    journals: list[tuple[int, Journal]] = field(default_factory=list)  # (repayment id, journal)
    loans: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


def prepare(session: Session, tenant_id: int, states: dict[int, Row], by_loan, records, today):
    """Load the loans' dues, plans and rules; return them with the loans to post one by one."""
    yesterday = today - DAY
    slow = {
        lid
        for lid, idx in by_loan.items()
        if states[lid].status == LoanStatus.ACTIVE
        and (
            states[lid].eod_through != yesterday
            or states[lid].asset_class == str(AssetClass.NPA)
            or any(records[i].value_date not in (None, today) for i in idx)
        )
    }
    rest = [lid for lid in by_loan if lid not in slow]
    slow |= repo.loans_with_repayments_from(session, rest, today)
    slow |= repo.loans_with_balance(session, tenant_id, rest, Account.INTEREST_SUSPENSE)
    rest = [lid for lid in rest if lid not in slow]
    prepared = Prepared(slow, repo.due_rows(session, rest))
    for lid in rest:
        if any(r.due_date >= today for r in prepared.dues.get(lid, ()) if r.kind != DueKind.BOUNCE):
            prepared.slow.add(lid)  # a charge or installment already raised today: replay whole
    fast = [lid for lid in rest if lid not in prepared.slow]
    prepared.plans = repo.plans_through(
        session, {lid: states[lid].schedule_version for lid in fast}, today
    )
    products = repo.product_rules(session, {states[lid].product_id for lid in fast})
    prepared.rules = {
        pid: LoanContext(None, rules_from_dict(rules)).day_rules  # type: ignore[arg-type]
        for pid, rules in products.items()
    }
    return prepared


def _start_dues(rows: Sequence[Row], today: date) -> list[OpenDue]:
    """The dues at the start of today (see loan_repository.opening_dues; nothing is later)."""
    book = []
    for r in rows:
        kept = r.kind in (DueKind.PENAL, DueKind.BOUNCE) or r.due_date < today
        if kept and r.amount > 0:
            key = DueKey(DueKind(r.kind), r.installment, Component(r.component))
            book.append(OpenDue(key, r.due_date, r.amount, r.paid + r.waived))
    return book


def _key(r: Row) -> DueKey:
    return DueKey(DueKind(r.kind), r.installment, Component(r.component))


@dataclass(frozen=True)
class Posted:
    """A record's fate on the batched path: a repayment id (and the payment's excess,
    what went to the advance), or the field and reason it was refused."""

    repayment_id: int | None
    field: str | None = None
    reason: str | None = None
    excess: Decimal = ZERO


def _problems(state: Row, rec) -> list[tuple[str, str]]:
    """The checks of repayments._check that can fail for a payment valued today."""
    problems = []
    if rec.amount <= 0:
        problems.append(("amount", f"must be positive, got {rec.amount}"))
    if rec.currency != state.currency:
        problems.append(("currency", f"{rec.currency} differs from the loan's {state.currency}"))
    return problems


def _closes(state: Row, rows: Sequence[Row], result: Replay) -> bool:
    """repayments' closure rule: all principal paid and nothing outstanding."""
    wanted = {d.key: d for d in result.dues}
    principal_paid = outstanding = ZERO
    for r in rows:
        if _key(r) not in wanted:
            principal_paid += r.paid if r.component == Component.PRINCIPAL else ZERO
            outstanding += r.amount - r.paid - r.waived
    waived = {_key(r): r.waived for r in rows}
    for key, d in wanted.items():
        paid = d.paid - waived.get(key, ZERO)
        principal_paid += paid if key.component is Component.PRINCIPAL else ZERO
        outstanding += d.amount - paid - waived.get(key, ZERO)
    return principal_paid == state.principal and outstanding == 0


def post_batched(
    session: Session,
    tenant_id: int,
    states: dict[int, Row],
    by_loan: dict[int, list[int]],
    records,
    actor: str,
    today: date,
    prepared: Prepared,
) -> dict[int, Posted]:
    """Post the records of ``by_loan`` (loans not in ``prepared.slow``); return fates."""
    ids = iter(repo.next_ids(session, "repayment", sum(len(v) for v in by_loan.values())))
    out, fates = _Out(), {}
    for lid, idx in by_loan.items():
        fates.update(_post_loan(states[lid], idx, records, prepared, today, ids, out, tenant_id))
    _write(session, tenant_id, out, actor)
    # A payment's excess is known only after its loan's last payment of the batch.
    excess = {row[0]: row[13] for row in out.repayments if row[13]}
    return {
        i: Posted(f.repayment_id, excess=excess[f.repayment_id]) if f.repayment_id in excess else f
        for i, f in fates.items()
    }


def _post_loan(state, idx, records, prepared: Prepared, today, ids, out: _Out, tenant_id):
    rows = prepared.dues.get(state.id, [])
    start = _start_dues(rows, today)
    plan = prepared.plans.get(state.id, [])
    rules = prepared.rules.get(state.product_id)
    status, payments, result, fates, taken = state.status, [], None, {}, {}
    # Closing needs every rupee of principal paid: skip the check while that is impossible.
    paid_before = sum((r.paid for r in rows if r.component == Component.PRINCIPAL), ZERO)
    paying = ZERO
    for i in idx:
        rec = records[i]
        if status != LoanStatus.ACTIVE:
            reason = f"loan {state.loan_number} is {status}: no payments accepted"
            fates[i] = Posted(None, "loan_id", reason)
            continue
        problems = _problems(state, rec)
        if problems:
            fates[i] = Posted(None, problems[0][0], "; ".join(f"{f}: {m}" for f, m in problems))
            continue
        rep_id = next(ids)
        taken[rep_id] = rec
        payments.append(Payment(rep_id, today, rec.amount))
        paying += rec.amount
        result = replay(
            start, plan, payments, rules, today, today - DAY, AssetClass(state.asset_class)
        )
        if paid_before + paying >= state.principal and _closes(state, rows, result):
            status = LoanStatus.CLOSED
        fates[i] = Posted(rep_id)
    if result is not None:
        _rows_of(state, rows, result, taken, status, today, out, tenant_id)
    return fates


def _rows_of(state, rows, result: Replay, taken: dict, status: str, today, out: _Out, tenant_id):
    by_key = {_key(r): r for r in rows}
    due_ids: dict[DueKey, int] = {}
    for d in result.dues:
        r = by_key.get(d.key)
        if r is None:  # a due raised today: its id is taken at write time (-1 - position)
            due_ids[d.key] = -1 - len(out.dues_new)
            k = d.key
            row = (state.id, str(k.kind), k.installment, str(k.component), d.due_date)
            out.dues_new.append([None, *row, d.amount, d.paid, ZERO])
            continue
        due_ids[d.key] = r.id
        paid = d.paid - r.waived
        if (d.amount, paid) != (r.amount, r.paid):
            out.dues_changed.append((r.id, d.amount, paid))
    parts: dict[int, dict[Component, Decimal]] = {rid: {} for rid in taken}
    for a in result.applied:
        out.allocations.append((a.payment, due_ids[a.key], a.value_date, a.amount))
        by_c = parts[a.payment]
        by_c[a.key.component] = by_c.get(a.key.component, ZERO) + a.amount
    excess = dict(result.excess)
    cur = Currency(state.currency)
    for rid, rec in taken.items():
        left = excess.get(rid, ZERO)
        journal = journals.repayment(
            state.id, today, today, rec.amount, parts[rid], left, cur, f"repayment:{rid}:0"
        )
        out.journals.append((rid, require_valid(journal)))
        out.repayments.append(
            [
                rid,
                tenant_id,
                state.branch_id,
                state.id,
                rec.amount,
                rec.currency,
                rec.channel,
                today,
                today,
                rec.reference,
                rec.external_ref,
                "posted",
                None,
                left,
            ]
        )
    advance = state.advance + sum((excess.get(rid, ZERO) for rid in taken), ZERO)
    if advance != state.advance or status != state.status:
        out.loans.append(
            (state.id, advance, status, today if status == LoanStatus.CLOSED else None)
        )
    if status == LoanStatus.CLOSED and state.status == LoanStatus.ACTIVE:
        out.events.append((state.id, today, "closed", "{}"))


REPAYMENT_COLUMNS = (
    "id", "tenant_id", "branch_id", "loan_id", "amount", "currency", "channel", "value_date",
    "business_date", "reference", "external_ref", "status", "journal_id", "excess",
)  # fmt: skip
DUE_COLUMNS = (
    "id", "loan_id", "kind", "installment", "component", "due_date", "amount", "paid", "waived",
)  # fmt: skip
JOURNAL_COLUMNS = (
    "id", "tenant_id", "branch_id", "kind", "business_date", "value_date", "description",
    "loan_id", "external_ref", "reverses_id", "created_by",
)  # fmt: skip
POSTING_COLUMNS = (
    "tenant_id", "journal_id", "account_id", "owner_id", "loan_id", "currency", "amount",
    "business_date",
)  # fmt: skip


def _write(session: Session, tenant_id: int, out: _Out, actor: str) -> None:
    """COPY the new rows (ids taken from the sequences first), then the set-wise updates."""
    due_ids = repo.next_ids(session, "loan_due", len(out.dues_new))
    for row, due_id in zip(out.dues_new, due_ids, strict=True):
        row[0] = due_id
    journal_ids = repo.next_ids(session, "journal_entry", len(out.journals))
    for row, journal_id in zip(out.repayments, journal_ids, strict=True):
        row[12] = journal_id
    repo.copy_rows(session, "loan_due", DUE_COLUMNS, out.dues_new)
    repo.copy_rows(session, "repayment", REPAYMENT_COLUMNS, out.repayments)
    allocations = (
        (rep, due if due > 0 else due_ids[-1 - due], day, amount)
        for rep, due, day, amount in out.allocations
    )
    repo.copy_rows(
        session,
        "repayment_allocation",
        ("repayment_id", "due_id", "value_date", "amount"),
        allocations,
    )
    _write_journals(session, tenant_id, out, journal_ids, actor)
    repo.update_dues(session, out.dues_changed)
    repo.update_loans(session, out.loans)
    repo.copy_rows(
        session, "loan_event", ("loan_id", "business_date", "kind", "detail"), out.events
    )


def _write_journals(session, tenant_id: int, out: _Out, journal_ids: list[int], actor: str) -> None:
    accounts, owner = repo.ledger_ids(session, tenant_id)
    entries, postings = [], []
    for (_, j), jid in zip(out.journals, journal_ids, strict=True):
        entries.append(
            (jid, tenant_id, j.branch_id, j.kind, j.business_date, j.value_date, j.description,
             j.loan_id, j.external_ref, None, actor)
        )  # fmt: skip
        for p in j.postings:
            loan = p.loan_id if p.loan_id is not None else j.loan_id
            postings.append(
                (tenant_id, jid, accounts[p.account], owner, loan, str(p.currency), p.amount,
                 j.business_date)
            )  # fmt: skip
    repo.copy_rows(session, "journal_entry", JOURNAL_COLUMNS, entries)
    repo.copy_rows(session, "ledger_posting", POSTING_COLUMNS, postings)
