"""Reconciliation tables: escrow accounts, statements, the two sides, matches, breaks, runs.

Reconciliation compares what we *expected* to move through escrow with what the bank says
*actually* moved, and keeps every difference visible until a person resolves it.

* ``recon_account``: an escrow / collection account we reconcile (its number as the bank
  writes it in ``:25:`` / ``Acct/Id``). A statement for an account not listed here is
  refused. ``last_sequence`` is the highest statement number accepted so far (the gap
  check compares the next statement against it).
* ``recon_statement``: one accepted (or held) statement: account, format, sequence number,
  opening / closing balance, line count. Unique ``(account, sequence)``: the same
  statement twice is refused. ``status`` ``held`` = a gap before it (``hold_reason``
  names the missing numbers); its lines wait (``held``) until the gap is filled.
* ``recon_actual_item``: one statement line or UTR-feed line (the *actual* side).
  ``direction`` credit = money into the account. ``utr`` is extracted from the narration
  by configurable patterns (formats/utr); ``our_ref`` is the reference we gave the payer
  (MT940 customer reference, camt EndToEndId). ``line_key`` is its natural key, unique
  per tenant. ``matched_group_id`` is set when a match claims it (the claim is a
  conditional ``UPDATE ... WHERE matched_group_id IS NULL``); ``corroborates_id`` marks a
  UTR-feed line that restates a statement line (same account, UTR, amount): it counts as
  matched through that line.
* ``recon_expected_item``: one expected movement (NACH / UPI presentation, disbursement
  payout, partner funding / settlement, SCF buyer payment, manual). Unique ``(tenant,
  source, reference)``. ``posting_ref`` (e.g. ``nach:<ref>``) is the external reference a
  matched receipt is posted to servicing under, so a collection posts once. ``batch``
  groups items one credit settles together (a day's NACH settlement). ``status`` open /
  matched / cancelled.
* ``recon_match_group``: one match: the rule that made it, variance, who made it
  (``engine`` or a user), and ``status`` confirmed / undone. Items point at it through
  ``matched_group_id``; an undone group releases its items (the desk's unmatch).
  ``posting_status`` / ``posting_error`` tell whether the receipts reached servicing.
* ``recon_suggestion``: candidates the engine found but would not confirm (ambiguous: two
  equal candidates); arrays of actual and expected item ids, per run. The desk accepts
  one by making a manual match.
* ``recon_break``: an item left unmatched after a run (either side), with a reason code
  and the date ageing counts from. One break per item (unique on each item id); re-runs
  update it, a later match closes it. Desk fields: ``assigned_to``, ``root_cause``,
  ``resolution``, ``resolved_by`` / ``resolved_at``.
* ``recon_run``: one matching run with its summary (items in, matched per rule, breaks,
  match rate).

No foreign keys on ``matched_group_id`` and on ``recon_match_group.tenant_id / run_id``:
a run claims up to a million pairs in one statement and the per-row constraint triggers
cost a third of it. The claim inserts the groups and points the items at them in one
savepoint (:mod:`lms_core.persistence.recon.recon_repository`), which is what keeps them true.

No index on ``matched_group_id`` either, and both item tables are stored with fillfactor
50 (migration r0006): a claim then changes no indexed column and finds room on the row's
own page, so PostgreSQL writes it as a HOT update, without a new entry in any index.
A group lists the items it claimed (``actual_ids`` / ``expected_ids``); whoever needs a
group's items (the desk's unmatch, posting) reads them from there.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms_core.persistence.base import Base, CreatedAt
from lms_core.recon.enums import (
    BreakStatus,
    ExpectedStatus,
    GroupStatus,
    RunStatus,
    StatementStatus,
)


class ReconAccount(CreatedAt, Base):
    __tablename__ = "recon_account"
    __table_args__ = (UniqueConstraint("tenant_id", "account_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(40))
    bank: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    last_sequence: Mapped[int | None] = mapped_column(default=None)


class ReconStatement(CreatedAt, Base):
    __tablename__ = "recon_statement"
    __table_args__ = (
        UniqueConstraint("account_id", "sequence_no"),
        CheckConstraint("status in ('accepted','held')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("recon_account.id"))
    inbox_item_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_item.id"), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    statement_ref: Mapped[str] = mapped_column(String(100))
    sequence_no: Mapped[int | None] = mapped_column(default=None)
    statement_date: Mapped[date | None] = mapped_column(default=None)
    opening: Mapped[Decimal | None] = mapped_column(default=None)
    closing: Mapped[Decimal | None] = mapped_column(default=None)
    line_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default=StatementStatus.ACCEPTED)
    hold_reason: Mapped[str | None] = mapped_column(Text, default=None)


class ReconActualItem(Base):
    __tablename__ = "recon_actual_item"
    __table_args__ = (
        UniqueConstraint("tenant_id", "line_key"),
        CheckConstraint("direction in ('credit','debit')", name="direction"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_recon_actual_item_utr", "tenant_id", "utr"),
        Index("ix_recon_actual_item_our_ref", "tenant_id", "our_ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("recon_account.id"))
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("recon_statement.id"), default=None)
    inbox_item_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_item.id"), default=None)
    kind: Mapped[str] = mapped_column(String(20))
    line_no: Mapped[int] = mapped_column(default=0)
    line_key: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    value_date: Mapped[date]
    booking_date: Mapped[date | None] = mapped_column(default=None)
    utr: Mapped[str | None] = mapped_column(String(40), default=None)
    rail: Mapped[str | None] = mapped_column(String(10), default=None)
    our_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    bank_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    narration: Mapped[str] = mapped_column(Text, default="")
    counterparty: Mapped[str | None] = mapped_column(String(200), default=None)
    held: Mapped[bool] = mapped_column(default=False)
    matched_group_id: Mapped[int | None] = mapped_column(default=None)  # no FK: see above
    corroborates_id: Mapped[int | None] = mapped_column(
        ForeignKey("recon_actual_item.id"), default=None
    )


class ReconExpectedItem(CreatedAt, Base):
    __tablename__ = "recon_expected_item"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "reference"),
        CheckConstraint("direction in ('credit','debit')", name="direction"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_recon_expected_item_utr", "tenant_id", "utr"),
        Index("ix_recon_expected_item_reference", "tenant_id", "reference"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    source: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    direction: Mapped[str] = mapped_column(String(6))
    expected_on: Mapped[date]
    account: Mapped[str | None] = mapped_column(String(40), default=None)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"), default=None)
    counterparty: Mapped[str | None] = mapped_column(String(200), default=None)
    utr: Mapped[str | None] = mapped_column(String(40), default=None)
    posting_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    batch: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(20), default=ExpectedStatus.OPEN)
    matched_group_id: Mapped[int | None] = mapped_column(default=None)  # no FK: see above


class ReconRun(Base):
    __tablename__ = "recon_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    business_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.RUNNING)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    triggered_by: Mapped[str] = mapped_column(String(100))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)


class ReconMatchGroup(Base):
    __tablename__ = "recon_match_group"
    __table_args__ = (Index("ix_recon_match_group_run", "run_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int]  # no FK, no index: see above (groups are read by id or run)
    run_id: Mapped[int | None] = mapped_column(default=None)  # no FK: see above
    rule: Mapped[str] = mapped_column(String(60))
    strategy: Mapped[str] = mapped_column(String(30))
    variance: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(20), default=GroupStatus.CONFIRMED)
    created_by: Mapped[str] = mapped_column(String(100), default="engine")
    undone_by: Mapped[str | None] = mapped_column(String(100), default=None)
    posting_status: Mapped[str | None] = mapped_column(String(20), default=None)
    posting_error: Mapped[str | None] = mapped_column(Text, default=None)
    actual_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    expected_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)


class ReconSuggestion(Base):
    __tablename__ = "recon_suggestion"
    __table_args__ = (UniqueConstraint("tenant_id", "actual_ids", "expected_ids"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("recon_run.id"))
    rule: Mapped[str] = mapped_column(String(60))
    actual_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    expected_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    score: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    note: Mapped[str] = mapped_column(Text, default="")


class ReconBreak(Base):
    __tablename__ = "recon_break"
    __table_args__ = (
        UniqueConstraint("actual_item_id"),
        UniqueConstraint("expected_item_id"),
        CheckConstraint("(actual_item_id IS NULL) <> (expected_item_id IS NULL)", name="one_item"),
        Index("ix_recon_break_queue", "tenant_id", "status", "opened_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    side: Mapped[str] = mapped_column(String(10))
    actual_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("recon_actual_item.id"), default=None
    )
    expected_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("recon_expected_item.id"), default=None
    )
    reason: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal]
    direction: Mapped[str] = mapped_column(String(6))
    opened_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=BreakStatus.OPEN)
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("recon_run.id"), default=None)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("recon_run.id"), default=None)
    closed_on: Mapped[date | None] = mapped_column(default=None)
    assigned_to: Mapped[str | None] = mapped_column(String(100), default=None)
    root_cause: Mapped[str | None] = mapped_column(String(60), default=None)
    resolution: Mapped[str | None] = mapped_column(String(30), default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(100), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
