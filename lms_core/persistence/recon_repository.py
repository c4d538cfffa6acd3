"""SQL of a matching run: set-based exact matching, atomic claims, suggestions, breaks.

*Claiming.* A run writes the matches it wants into three temporary tables (groups, their
actual items, their expected items) and :func:`claim` applies them inside a SAVEPOINT:
insert the groups, then ``UPDATE ... WHERE matched_group_id IS NULL`` on both sides. If a
concurrent run took any of the items first, the row counts fall short: the savepoint is
rolled back, the groups that lost an item are dropped, and the rest is claimed again. So
an item belongs to at most one group, and a group is never half-claimed, whatever the
number of runs at once. A deadlock between two runs is retried the same way.

*Exact rules* never leave SQL (:func:`stage_exact`): one join of open actual and open
expected items on the key (UTR or our reference), keys unique among open expected items,
the lowest-id actual item whose amount fits; a million pairs is one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """COPY ``rows`` into ``table`` (text format, None as NULL); return how many."""
    cursor = session.connection().connection.driver_connection.cursor()
    written, chunk = 0, []
    with cursor.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            chunk.append("\t".join(_copy_value(v) for v in row) + "\n")
            if len(chunk) == 5000:
                copy.write("".join(chunk).encode())
                written, chunk = written + len(chunk), []
        if chunk:
            copy.write("".join(chunk).encode())
            written += len(chunk)
    return written


_TEMP = (
    "create temp table if not exists recon_claim_g "
    "(gid bigint, rule text, strategy text, variance numeric(20,2)) on commit drop",
    "create temp table if not exists recon_claim_a (gid bigint, aid bigint) on commit drop",
    "create temp table if not exists recon_claim_e (gid bigint, eid bigint) on commit drop",
)
MAX_CLAIM_ATTEMPTS = 8


def _reset(session: Session) -> None:
    for ddl in _TEMP:
        session.execute(text(ddl))
    session.execute(text("truncate recon_claim_g, recon_claim_a, recon_claim_e"))


_OPEN_ACTUAL = (
    "a.tenant_id = :t and a.matched_group_id is null and a.corroborates_id is null and not a.held"
)

_EXACT_SQL = """
insert into recon_claim_g_pairs (eid, aid, variance)
select distinct on (e.id) e.id, a.id, a.amount - e.amount
from recon_expected_item e
join (select {efield} as k from recon_expected_item
      where tenant_id = :t and status = 'open' and {efield} is not null
      group by {efield} having count(*) = 1) uniq on uniq.k = e.{efield}
join recon_actual_item a on a.{afield} = e.{efield}
join recon_account acc on acc.id = a.account_id
where e.tenant_id = :t and e.status = 'open' and {open_actual}
  and a.direction = e.direction and a.currency = e.currency
  and (e.account is null or e.account = acc.account_no)
  and abs(a.amount - e.amount) <= greatest(:abs, e.amount * :pct / 100)
order by e.id, a.id
"""


def stage_exact(
    session: Session, tenant_id: int, rule: str, key: str, amount_abs: Decimal, pct: Decimal
) -> int:
    """Stage the pairs exact rule ``rule`` finds on ``key`` (utr | reference); return count."""
    afield, efield = ("utr", "utr") if key == "utr" else ("our_ref", "reference")
    _reset(session)
    session.execute(
        text(
            "create temp table if not exists recon_claim_g_pairs "
            "(eid bigint, aid bigint, variance numeric(20,2)) on commit drop"
        )
    )
    session.execute(text("truncate recon_claim_g_pairs"))
    sql = _EXACT_SQL.format(afield=afield, efield=efield, open_actual=_OPEN_ACTUAL)
    session.execute(text(sql), {"t": tenant_id, "abs": amount_abs, "pct": pct})
    session.execute(
        text(
            "create temp table if not exists recon_claim_ids "
            "(gid bigint, eid bigint, aid bigint, variance numeric(20,2)) on commit drop"
        )
    )
    session.execute(text("truncate recon_claim_ids"))
    staged = session.execute(
        text(
            "insert into recon_claim_ids select nextval(pg_get_serial_sequence("
            "'recon_match_group', 'id')), eid, aid, variance from recon_claim_g_pairs"
        )
    ).rowcount
    session.execute(
        text("insert into recon_claim_g select gid, :r, 'exact', variance from recon_claim_ids"),
        {"r": rule},
    )
    session.execute(text("insert into recon_claim_a select gid, aid from recon_claim_ids"))
    session.execute(text("insert into recon_claim_e select gid, eid from recon_claim_ids"))
    return staged


def stage_matches(session: Session, matches: Sequence[Any]) -> int:
    """Stage engine matches (``Match`` values) for :func:`claim`; return how many."""
    _reset(session)
    if not matches:
        return 0
    ids = session.execute(
        text(
            "select nextval(pg_get_serial_sequence('recon_match_group', 'id')) "
            "from generate_series(1, :n)"
        ),
        {"n": len(matches)},
    ).scalars()
    gids = list(ids)
    groups = [(g, m.rule, m.strategy, m.variance) for g, m in zip(gids, matches, strict=True)]
    copy_rows(session, "recon_claim_g", ("gid", "rule", "strategy", "variance"), groups)
    pairs_a = [(g, a) for g, m in zip(gids, matches, strict=True) for a in m.actual_ids]
    pairs_e = [(g, e) for g, m in zip(gids, matches, strict=True) for e in m.expected_ids]
    copy_rows(session, "recon_claim_a", ("gid", "aid"), pairs_a)
    copy_rows(session, "recon_claim_e", ("gid", "eid"), pairs_e)
    return len(matches)


_INSERT_GROUPS = """
insert into recon_match_group (id, tenant_id, run_id, rule, strategy, variance, status, created_by)
select gid, :t, :run, rule, strategy, variance, 'confirmed', :by from recon_claim_g
"""
_CLAIM_ACTUAL = f"""
update recon_actual_item a set matched_group_id = c.gid from recon_claim_a c
where a.id = c.aid and {_OPEN_ACTUAL}
"""
_CLAIM_EXPECTED = """
update recon_expected_item e set matched_group_id = c.gid, status = 'matched'
from recon_claim_e c where e.id = c.eid and e.tenant_id = :t and e.status = 'open'
"""
_DROP_LOST = f"""
with lost as (
  select c.gid from recon_claim_a c join recon_actual_item a on a.id = c.aid
  where not ({_OPEN_ACTUAL})
  union
  select c.gid from recon_claim_e c join recon_expected_item e on e.id = c.eid
  where e.status <> 'open'
), da as (delete from recon_claim_a where gid in (select gid from lost)),
de as (delete from recon_claim_e where gid in (select gid from lost))
delete from recon_claim_g where gid in (select gid from lost)
"""


def _counts(session: Session) -> tuple[int, int, int]:
    row = session.execute(
        text(
            "select (select count(*) from recon_claim_g), (select count(*) from recon_claim_a),"
            " (select count(*) from recon_claim_e)"
        )
    ).one()
    return row[0], row[1], row[2]


def claim(session: Session, tenant_id: int, run_id: int | None, created_by: str) -> int:
    """Claim every staged group whose items are all still open; return how many.

    Groups that lost an item to a concurrent run are dropped, the rest claimed whole.
    """
    params = {"t": tenant_id, "run": run_id, "by": created_by}
    for _ in range(MAX_CLAIM_ATTEMPTS):
        groups, want_a, want_e = _counts(session)
        if groups == 0:
            return 0
        savepoint = session.begin_nested()
        try:
            session.execute(text(_INSERT_GROUPS), params)
            got_a = session.execute(text(_CLAIM_ACTUAL), params).rowcount
            got_e = session.execute(text(_CLAIM_EXPECTED), params).rowcount
        except OperationalError as exc:  # a deadlock with another run: retry
            savepoint.rollback()
            if getattr(exc.orig, "sqlstate", None) != "40P01":
                raise
            continue
        if (got_a, got_e) == (want_a, want_e):
            savepoint.commit()
            return groups
        savepoint.rollback()
        session.execute(text(_DROP_LOST), params)
    raise RuntimeError(f"could not claim matches after {MAX_CLAIM_ATTEMPTS} attempts")


def corroborate(session: Session, tenant_id: int) -> int:
    """Link UTR-feed lines to the statement lines they restate; return how many.

    Same account, UTR, amount and direction: the unmatched one of the pair points at the
    other (the feed line when both are open), and leaves matching.
    """
    sql = f"""
    with pairs as (
      select distinct on (a.id) a.id as aid, b.id as bid
      from recon_actual_item a join recon_actual_item b
        on b.tenant_id = a.tenant_id and b.account_id = a.account_id and b.utr = a.utr
       and b.amount = a.amount and b.direction = a.direction and b.id <> a.id
       and b.corroborates_id is null
       and ((a.kind = 'utr_feed') <> (b.kind = 'utr_feed'))
      where {_OPEN_ACTUAL} and a.utr is not null
        and (a.kind = 'utr_feed' or b.matched_group_id is not null)
      order by a.id, b.id
    )
    update recon_actual_item a set corroborates_id = p.bid from pairs p where a.id = p.aid
    """
    return session.execute(text(sql), {"t": tenant_id}).rowcount


def open_actual_rows(session: Session, tenant_id: int) -> list[Any]:
    sql = f"""
    select a.id, a.direction, a.amount, a.value_date, a.currency, acc.account_no, a.utr,
           a.our_ref, a.bank_ref, a.narration, a.counterparty
    from recon_actual_item a join recon_account acc on acc.id = a.account_id
    where {_OPEN_ACTUAL} order by a.id
    """
    return list(session.execute(text(sql), {"t": tenant_id}))


def open_expected_rows(session: Session, tenant_id: int) -> list[Any]:
    sql = """
    select id, direction, amount, expected_on, reference, currency, account, source, utr,
           counterparty, batch
    from recon_expected_item where tenant_id = :t and status = 'open' order by id
    """
    return list(session.execute(text(sql), {"t": tenant_id}))


def actual_facts(session: Session, tenant_id: int, ids: Sequence[int]) -> list[Any]:
    """Per open actual item: an earlier same-UTR same-amount line, and an expected item
    carrying its UTR or our reference (with that item's amount)."""
    sql = """
    select a.id, a.amount, a.direction, a.value_date,
      (select min(b.id) from recon_actual_item b where b.tenant_id = a.tenant_id
        and b.utr = a.utr and b.amount = a.amount and b.direction = a.direction
        and b.id < a.id) as duplicate_of,
      coalesce(
        (select e.id from recon_expected_item e where e.tenant_id = a.tenant_id
          and e.utr = a.utr and e.status <> 'cancelled' order by e.id limit 1),
        (select e.id from recon_expected_item e where e.tenant_id = a.tenant_id
          and e.reference = a.our_ref and e.status <> 'cancelled' order by e.id limit 1)
      ) as referenced
    from recon_actual_item a where a.id = any(:ids)
    """
    rows = list(session.execute(text(sql), {"ids": list(ids)}))
    referenced = [r.referenced for r in rows if r.referenced is not None]
    found = session.execute(
        text("select id, amount from recon_expected_item where id = any(:ids)"),
        {"ids": referenced},
    )
    amounts = {row.id: row.amount for row in found}
    return [(r, amounts.get(r.referenced)) for r in rows]


def replace_suggestions(
    session: Session, tenant_id: int, run_id: int, suggestions: Iterable[Any]
) -> int:
    """Drop the previous runs' suggestions and store this run's; return how many."""
    session.execute(text("delete from recon_suggestion where tenant_id = :t"), {"t": tenant_id})
    rows = [
        (tenant_id, run_id, s.rule, _array(s.actual_ids), _array(s.expected_ids), s.score, s.note)
        for s in suggestions
    ]
    columns = ("tenant_id", "run_id", "rule", "actual_ids", "expected_ids", "score", "note")
    rows = [(*r[:5], f"{r[5]:.2f}", r[6]) for r in rows]
    return copy_rows(session, "recon_suggestion", columns, rows)


def _array(ids: Sequence[int]) -> str:
    return "{" + ",".join(str(i) for i in sorted(ids)) + "}"


_UPSERT_BREAKS = """
insert into recon_break (tenant_id, side, {col}, reason, detail, amount, direction, opened_on,
                         status, first_run_id, last_run_id)
select :t, :side, item_id, reason, detail, amount, direction, opened_on, 'open', :run, :run
from recon_break_stage
on conflict ({col}) do update set reason = excluded.reason, detail = excluded.detail,
  last_run_id = excluded.last_run_id,
  status = case when recon_break.status = 'resolved' then 'resolved' else 'open' end,
  closed_on = case when recon_break.status = 'resolved' then recon_break.closed_on end
"""


def upsert_breaks(
    session: Session, tenant_id: int, run_id: int, side: str, rows: Iterable[Sequence]
) -> int:
    """Open (or refresh) one break per item: rows of (item id, reason, detail, amount,
    direction, opened_on); a resolved break stays resolved. Returns how many rows."""
    session.execute(
        text(
            "create temp table if not exists recon_break_stage (item_id bigint, reason text, "
            "detail text, amount numeric(20,2), direction text, opened_on date) on commit drop"
        )
    )
    session.execute(text("truncate recon_break_stage"))
    columns = ("item_id", "reason", "detail", "amount", "direction", "opened_on")
    count = copy_rows(session, "recon_break_stage", columns, rows)
    col = "actual_item_id" if side == "actual" else "expected_item_id"
    session.execute(
        text(_UPSERT_BREAKS.format(col=col)), {"t": tenant_id, "side": side, "run": run_id}
    )
    return count


def close_settled_breaks(session: Session, tenant_id: int, run_id: int, today: date) -> int:
    """Close open breaks whose item is now matched, corroborated or cancelled."""
    params = {"t": tenant_id, "run": run_id, "today": today}
    actual = session.execute(
        text(
            "update recon_break b set status = 'closed', closed_on = :today, last_run_id = :run "
            "from recon_actual_item a where b.actual_item_id = a.id and b.tenant_id = :t "
            "and b.status = 'open' "
            "and (a.matched_group_id is not null or a.corroborates_id is not null)"
        ),
        params,
    ).rowcount
    expected = session.execute(
        text(
            "update recon_break b set status = 'closed', closed_on = :today, last_run_id = :run "
            "from recon_expected_item e where b.expected_item_id = e.id and b.tenant_id = :t "
            "and b.status = 'open' and e.status <> 'open'"
        ),
        params,
    ).rowcount
    return actual + expected


def groups_to_post(session: Session, run_id: int | None, group_id: int | None = None) -> list[Any]:
    """Expected receipts servicing must hear about: of a run's groups, or of one group."""
    sql = """
    select g.id as group_id, e.id as expected_id, e.loan_id, e.amount, e.currency,
           e.posting_ref, e.source, e.reference,
           (select count(*) from recon_expected_item x where x.matched_group_id = g.id) as n_exp,
           (select sum(a.amount) from recon_actual_item a where a.matched_group_id = g.id)
             as received,
           (select max(a.value_date) from recon_actual_item a where a.matched_group_id = g.id)
             as value_date,
           (select min(a.utr) from recon_actual_item a where a.matched_group_id = g.id) as utr,
           (select min(a.rail) from recon_actual_item a where a.matched_group_id = g.id) as rail
    from recon_match_group g join recon_expected_item e on e.matched_group_id = g.id
    where (g.run_id = :run or g.id = :grp) and g.status = 'confirmed'
      and g.posting_status is null
      and e.direction = 'credit' and e.loan_id is not null and e.posting_ref is not null
    order by g.id, e.id
    """
    return list(session.execute(text(sql), {"run": run_id, "grp": group_id}))


def set_posting(session: Session, group_id: int, status: str, error: str | None) -> None:
    session.execute(
        text("update recon_match_group set posting_status = :s, posting_error = :e where id = :g"),
        {"s": status, "e": error, "g": group_id},
    )


def open_counts(session: Session, tenant_id: int) -> dict[str, int]:
    sql = f"""
    select (select count(*) from recon_actual_item a where {_OPEN_ACTUAL}) as actual,
           (select count(*) from recon_expected_item where tenant_id = :t and status = 'open')
             as expected
    """
    row = session.execute(text(sql), {"t": tenant_id}).one()
    return {"actual": row.actual, "expected": row.expected}


def open_actual_ids(session: Session, tenant_id: int) -> list[int]:
    sql = f"select a.id from recon_actual_item a where {_OPEN_ACTUAL} order by a.id"
    return list(session.execute(text(sql), {"t": tenant_id}).scalars())


def overdue_expected(session: Session, tenant_id: int, due_before: date) -> list[Any]:
    sql = """
    select id, amount, direction, expected_on from recon_expected_item
    where tenant_id = :t and status = 'open' and expected_on < :d order by id
    """
    return list(session.execute(text(sql), {"t": tenant_id, "d": due_before}))
