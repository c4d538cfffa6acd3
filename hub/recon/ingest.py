"""The actual side: escrow statements and the UTR feed, through the inbox, checked first.

Handlers registered on the inbox (counterpart kind -> document kind):

* ``escrow_bank``: ``mt940``, ``camt`` (053 and 054), ``statement_csv``,
  ``statement_xlsx`` (the counterpart's config ``mapping``, default
  ``escrow_bank_hdfc/statement_csv``, and ``account`` name the layout and the account
  a CSV / XLSX statement is for: those files do not say);
* ``utr_feed``: ``utr_csv`` (``mappings/utr_feed/default.yaml``; config ``account``).

Checks, all before anything is stored; any failure refuses the whole file (inbox status
``rejected``, one outcome per problem naming the line and field), so no partial state:

* unreadable amount / date, or a statement that does not balance (opening + lines !=
  closing, the difference shown; for CSV the running balance);
* an account not registered in ``recon_account``;
* a duplicated statement: the inbox refuses the same bytes again (checksum + name); a
  statement number already received for the account from another file is refused.

A *gap* (statement 7 arrives, the last accepted is 5) does not refuse: the statement is
stored ``held`` with ``missing statement numbers 6`` and its lines stay out of matching
(the item ends ``partial``, the outcome naming the missing numbers). When 6 arrives, 6
and then 7 are released in order. The first statement of an account sets its baseline.

Lines become ``recon_actual_item`` rows with a natural ``line_key``: re-applying a file
(inbox reprocess) adds nothing twice. The UTR feed has no balances: a bad record is
quarantined alone and the good ones are kept; lines not ``settled`` are not credits yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from formats.utr import DEFAULT_PATTERNS, UtrPattern, extract_utr
from hub.integration.inbox.handlers import (
    HANDLERS,
    HandlerRegistry,
    HandlerResult,
    InboxHandler,
    ItemContext,
    Outcome,
)
from hub.recon.statements import (
    Line,
    Problem,
    Statement,
    read_bank_table,
    read_camt,
    read_mt940,
    xlsx_variant,
)
from lms_core.integration.enums import RecordOutcome
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.recon import run_repository as repository
from lms_core.persistence.recon.models import ReconAccount
from lms_core.recon.enums import StatementStatus
from mappings import MappedRecord, RecordError, apply_mapping, load_mapping, mapping_path

ESCROW_BANK, UTR_FEED = "escrow_bank", "utr_feed"
DEFAULT_MAPPING = "escrow_bank_hdfc/statement_csv"
Reader = Callable[[Session, ItemContext, bytes, dict], tuple[list[Statement], list[Problem]]]


def _config(session: Session, ctx: ItemContext) -> dict[str, Any]:
    row = counterpart_repository.by_code(session, ctx.tenant_id, ctx.source)
    config = dict(row.config or {}) if row else {}
    config.update({k: v for k, v in ctx.declared.items() if k in ("account", "currency")})
    return config


def _patterns(config: dict[str, Any]) -> tuple[UtrPattern, ...]:
    custom = config.get("utr_patterns")
    return tuple(UtrPattern.from_mapping(p) for p in custom) if custom else DEFAULT_PATTERNS


def _refused(problems: Sequence[Problem], prefix: str) -> HandlerResult:
    outcomes = tuple(
        Outcome(p.line, RecordOutcome.QUARANTINED, field=p.field, reason=p.message)
        for p in problems[:1000]
    )
    first = problems[0]
    where = f"line {first.line}, {first.field}" if first.line else first.field
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return HandlerResult(rejected=f"{prefix}: {where}: {first.message}{more}", outcomes=outcomes)


class StatementHandler(InboxHandler):
    """Read, check and store escrow statements of one format."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def parse(self, session: Session, ctx: ItemContext, data: bytes) -> Any:
        config = _config(session, ctx)
        statements, problems = self.reader(session, ctx, data, config)
        if problems:
            return _refused(problems, "statement refused")
        return statements

    def apply(self, session: Session, ctx: ItemContext, parsed: Any) -> HandlerResult:
        statements: list[Statement] = sorted(parsed, key=lambda s: (s.account, s.sequence_no or 0))
        accounts, problems, fresh = _precheck(session, ctx, statements)
        if problems:
            return _refused(problems, "statement refused")
        outcomes: list[Outcome] = []
        applied = duplicates = held = 0
        for st in fresh:
            status, reason = _sequence_status(session, accounts[st.account], st)
            new, dup = _store(session, ctx, accounts[st.account], st, status, reason)
            applied, duplicates = applied + new, duplicates + dup
            if status is StatementStatus.HELD:
                held += 1
                outcomes.append(
                    Outcome(0, RecordOutcome.QUARANTINED, st.statement_ref, "sequence", reason)
                )
        skipped = sum(len(st.lines) for st in statements if st not in fresh)
        return HandlerResult(
            applied=applied,
            duplicates=duplicates + skipped,
            quarantined=held,
            outcomes=tuple(outcomes),
        )


def _precheck(
    session: Session, ctx: ItemContext, statements: list[Statement]
) -> tuple[dict[str, ReconAccount], list[Problem], list[Statement]]:
    """Lock the accounts; return them, the refusals, and the statements not yet stored."""
    accounts: dict[str, ReconAccount] = {}
    problems, fresh = [], []
    for st in statements:
        account = accounts.get(st.account) or repository.account_by_no(
            session, ctx.tenant_id, st.account, lock=True
        )
        if account is None:
            problems.append(Problem(0, "account", f"unknown account {st.account!r}"))
            continue
        accounts[st.account] = account
        if st.sequence_no is None:
            fresh.append(st)
            continue
        seen = repository.statement_by_sequence(session, account.id, st.sequence_no)
        if seen is None:
            fresh.append(st)
        elif seen.inbox_item_id != ctx.item_id:
            problems.append(
                Problem(
                    0,
                    "sequence",
                    f"statement {st.sequence_no} for account {st.account} was already "
                    f"received (inbox item {seen.inbox_item_id}): duplicated statement",
                )
            )
    return accounts, problems, fresh


def _sequence_status(
    session: Session, account: ReconAccount, st: Statement
) -> tuple[StatementStatus, str | None]:
    last = account.last_sequence
    if st.sequence_no is None or last is None or st.sequence_no <= last + 1:
        return StatementStatus.ACCEPTED, None
    missing = sorted(
        set(range(last + 1, st.sequence_no)) - repository.statement_sequences(session, account.id)
    )
    if not missing:  # the gap was filled by held statements; they are released in order
        return StatementStatus.ACCEPTED, None
    names = ", ".join(str(n) for n in missing[:20]) + (" ..." if len(missing) > 20 else "")
    return (
        StatementStatus.HELD,
        f"missing statement numbers {names} for account {account.account_no}",
    )


def _store(
    session: Session,
    ctx: ItemContext,
    account: ReconAccount,
    st: Statement,
    status: StatementStatus,
    reason: str | None,
) -> tuple[int, int]:
    """Store the statement and its lines; advance the account's sequence. Returns
    (new lines, lines already stored)."""
    row = repository.add_statement(
        session,
        tenant_id=ctx.tenant_id,
        account_id=account.id,
        inbox_item_id=ctx.item_id,
        kind=st.kind,
        statement_ref=st.statement_ref[:100],
        sequence_no=st.sequence_no,
        statement_date=st.statement_date,
        opening=st.opening,
        closing=st.closing,
        line_count=len(st.lines),
        status=str(status),
        hold_reason=reason,
    )
    held = status is StatementStatus.HELD
    rows = (_row(ctx, account, row.id, st, x, held) for x in st.lines)
    new, dup_keys = repository.insert_actual_items(session, rows)
    if status is StatementStatus.ACCEPTED and st.sequence_no is not None:
        _advance(session, account, st.sequence_no)
    return new, len(dup_keys)


def _advance(session: Session, account: ReconAccount, sequence_no: int) -> None:
    """Move the account's last contiguous sequence forward, releasing held statements."""
    if account.last_sequence is None or sequence_no > account.last_sequence:
        account.last_sequence = sequence_no
    for held in repository.held_statements(session, account.id):
        if held.sequence_no == account.last_sequence + 1:
            repository.release_statement(session, held.id)
            account.last_sequence = held.sequence_no


def _row(
    ctx: ItemContext, account: ReconAccount, statement_id: int, st: Statement, x: Line, held: bool
) -> tuple:
    key = x.natural_key or f"{st.kind}:{st.sequence_no or st.statement_ref}:{x.line_no}"
    return (
        ctx.tenant_id, account.id, statement_id, ctx.item_id, st.kind, x.line_no,
        f"{account.id}:{key}"[:200], x.direction, x.amount, x.currency, x.value_date,
        x.booking_date, x.utr, x.rail, x.our_ref, x.bank_ref, x.narration, x.counterparty,
        held,
    )  # fmt: skip


# --- readers per document kind ------------------------------------------------------------


def _mt940(session: Session, ctx: ItemContext, data: bytes, config: dict):
    return read_mt940(data, ctx.source, _patterns(config))


def _camt(session: Session, ctx: ItemContext, data: bytes, config: dict):
    return read_camt(data, ctx.source, _patterns(config))


def _table(xlsx: bool) -> Reader:
    def read(session: Session, ctx: ItemContext, data: bytes, config: dict):
        account = config.get("account")
        if not account:
            return [], [Problem(0, "account", "the counterpart has no 'account' configured")]
        folder, _, name = str(config.get("mapping", DEFAULT_MAPPING)).partition("/")
        mapping = load_mapping(mapping_path(folder, name))
        mapping = xlsx_variant(mapping) if xlsx else mapping
        ref = ctx.filename or ctx.sha256[:16]
        currency = str(config.get("currency", "INR"))
        return read_bank_table(
            data, mapping, account=account, currency=currency, ref=ref, patterns=_patterns(config)
        )

    return read


class UtrFeedHandler(InboxHandler):
    """The sponsor bank's UTR feed: settled credits, one per line, into one account."""

    def parse(self, session: Session, ctx: ItemContext, data: bytes) -> Any:
        config = _config(session, ctx)
        account_no = config.get("account")
        account = account_no and repository.account_by_no(session, ctx.tenant_id, account_no)
        if not account:
            problem = f"unknown account {account_no!r}" if account_no else "no 'account' configured"
            return _refused([Problem(0, "account", problem)], "UTR feed refused")
        mapping = load_mapping(mapping_path("utr_feed", "default"))
        return account, list(apply_mapping(mapping, data)), _patterns(config)

    def apply(self, session: Session, ctx: ItemContext, parsed: Any) -> HandlerResult:
        account, results, patterns = parsed
        whole = [r for r in results if isinstance(r, RecordError) and r.line == 0]
        if whole:
            return _refused([Problem(0, whole[0].field, whole[0].message)], "UTR feed refused")
        outcomes, rows = [], []
        for r in results:
            if isinstance(r, RecordError):
                outcomes.append(
                    Outcome(r.line, RecordOutcome.QUARANTINED, None, r.field, r.message)
                )
            elif r.values["status"] != "settled":
                reason = f"status {r.values['status']}: not a credit yet"
                outcomes.append(
                    Outcome(r.line, RecordOutcome.QUARANTINED, r.values["utr"], "status", reason)
                )
            else:
                rows.append(_feed_row(ctx, account, r, patterns))
        new, dup_keys = repository.insert_actual_items(session, rows)
        bad_lines = {o.line for o in outcomes}
        outcomes += [
            Outcome(0, RecordOutcome.DUPLICATE, k, None, "already received") for k in dup_keys
        ]
        return HandlerResult(
            applied=new,
            duplicates=len(dup_keys),
            quarantined=len(bad_lines),
            outcomes=tuple(outcomes),
        )


def _feed_row(ctx: ItemContext, account: ReconAccount, r: MappedRecord, patterns) -> tuple:
    v = r.values
    found = extract_utr(v["utr"], patterns)
    narration = f"{v.get('remitter_name') or ''} {v.get('remitter_account') or ''}".strip()
    key = f"{account.id}:utr:{v['utr']}:{v['virtual_account']}:{v['amount']}"
    return (
        ctx.tenant_id, account.id, None, ctx.item_id, "utr_feed", r.line, key[:200], "credit",
        v["amount"], "INR", v["value_date"], None, v["utr"], str(found.rail) if found else None,
        None, v["virtual_account"], narration, v.get("remitter_name") or None, False,
    )  # fmt: skip


def register(registry: HandlerRegistry = HANDLERS) -> None:
    """Register the statement and UTR-feed handlers on ``registry``."""
    registry.register(ESCROW_BANK, "mt940", StatementHandler(_mt940))
    registry.register(ESCROW_BANK, "camt", StatementHandler(_camt))
    registry.register(ESCROW_BANK, "statement_csv", StatementHandler(_table(xlsx=False)))
    registry.register(ESCROW_BANK, "statement_xlsx", StatementHandler(_table(xlsx=True)))
    registry.register(UTR_FEED, "utr_csv", UtrFeedHandler())


register()
