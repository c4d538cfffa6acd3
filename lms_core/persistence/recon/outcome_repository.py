"""SQL of what a matching run leaves behind: suggestions, breaks and receipts to post.

The matching itself (exact rules, claims) is in :mod:`lms_core.persistence.recon.recon_repository`.
Breaks are upserted from a COPY-filled temporary table, one per item; a later run
refreshes the reason, a match closes it, a resolution made at the desk stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from lms_core.persistence.recon.recon_repository import copy_rows, pg_array


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
        (
            tenant_id,
            run_id,
            s.rule,
            pg_array(s.actual_ids),
            pg_array(s.expected_ids),
            s.score,
            s.note,
        )
        for s in suggestions
    ]
    columns = ("tenant_id", "run_id", "rule", "actual_ids", "expected_ids", "score", "note")
    rows = [(*r[:5], f"{r[5]:.2f}", r[6]) for r in rows]
    return copy_rows(session, "recon_suggestion", columns, rows)


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


_TO_POST = """
select g.id as group_id, e.id as expected_id, e.loan_id, e.amount, e.currency,
       e.posting_ref, e.source, e.reference, cardinality(g.expected_ids) as n_exp,
       got.received, got.value_date, got.utr, got.rail
from recon_match_group g join recon_expected_item e on {join}
cross join lateral (
  select sum(a.amount) as received, max(a.value_date) as value_date, min(a.utr) as utr,
         min(a.rail) as rail
  from recon_actual_item a where a.id = any(g.actual_ids)
) got
where {which} and g.status = 'confirmed' and g.posting_status is null
  and e.direction = 'credit' and e.loan_id is not null and e.posting_ref is not null
order by g.id, e.id
"""


def groups_to_post(session: Session, run_id: int | None, group_id: int | None = None) -> list[Any]:
    """Expected receipts servicing must hear about: of a run's groups, or of one group."""
    if group_id is not None:  # one group: its items by primary key, from the group row
        sql = _TO_POST.format(join="e.id = any(g.expected_ids)", which="g.id = :grp")
    else:  # a whole run: one pass over the items (no index on matched_group_id)
        sql = _TO_POST.format(join="e.matched_group_id = g.id", which="g.run_id = :run")
    return list(session.execute(text(sql), {"run": run_id, "grp": group_id}))


def set_posting(session: Session, group_id: int, status: str, error: str | None) -> None:
    session.execute(
        text("update recon_match_group set posting_status = :s, posting_error = :e where id = :g"),
        {"s": status, "e": error, "g": group_id},
    )


def overdue_expected(session: Session, tenant_id: int, due_before: date) -> list[Any]:
    sql = """
    select id, amount, direction, expected_on from recon_expected_item
    where tenant_id = :t and status = 'open' and expected_on < :d order by id
    """
    return list(session.execute(text(sql), {"t": tenant_id, "d": due_before}))
