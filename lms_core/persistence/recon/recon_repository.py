"""SQL of a matching run: set-based exact matching, atomic claims, the open items.

*Claiming.* A run writes the matches it wants into three temporary tables (groups, their
actual items, their expected items) and :func:`claim` applies them inside a SAVEPOINT:
insert the groups, then ``UPDATE ... WHERE matched_group_id IS NULL`` on both sides. If a
concurrent run took any of the items first, the row counts fall short: the savepoint is
rolled back, the groups that lost an item are dropped, and the rest is claimed again. So
an item belongs to at most one group, and a group is never half-claimed, whatever the
number of runs at once. A deadlock between two runs is retried the same way.

What a run leaves behind (suggestions, breaks, postings) is in
:mod:`lms_core.persistence.recon.outcome_repository`.

*Exact rules* never leave SQL (:func:`claim_exact`): one join of open actual and open
expected items on the key (UTR or our reference), keys unique among open expected items,
the lowest-id actual item whose amount fits. The pairs are found, their groups inserted
and both sides claimed in one statement, with no staging tables; only when a concurrent
run took one of the items does the rule fall back to staging (:func:`stage_exact`) and
:func:`claim`. Each group lists its items (``actual_ids`` / ``expected_ids``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
    "create temp table if not exists recon_claim_g (gid bigint, rule text, strategy text, "
    "variance numeric(20,2), aids bigint[], eids bigint[]) on commit drop",
    "create temp table if not exists recon_claim_a (gid bigint, aid bigint) on commit drop",
    "create temp table if not exists recon_claim_e (gid bigint, eid bigint) on commit drop",
)
MAX_CLAIM_ATTEMPTS = 8


def _reset(session: Session) -> None:
    for ddl in _TEMP:
        session.execute(text(ddl))
    session.execute(text("truncate recon_claim_g, recon_claim_a, recon_claim_e"))


def _group_sequence(session: Session) -> str:
    """The sequence behind ``recon_match_group.id``, looked up once per staging (why:
    ``pg_get_serial_sequence`` inside the SELECT is a catalog lookup per row)."""
    return session.execute(
        text("select pg_get_serial_sequence('recon_match_group', 'id')")
    ).scalar_one()


_OPEN_ACTUAL = (
    "a.tenant_id = :t and a.matched_group_id is null and a.corroborates_id is null and not a.held"
)

# The pairs an exact rule finds, each drawing one group id (the CTEs that use this are
# materialised, so an id is drawn once per pair).
_EXACT_PAIRS = """
select nextval(cast(:seq as regclass)) as gid, eid, aid, variance from (
  select distinct on (e.id) e.id as eid, a.id as aid, a.amount - e.amount as variance
  from recon_expected_item e
  join recon_actual_item a on a.{afield} = e.{efield} and a.tenant_id = e.tenant_id
  join recon_account acc on acc.id = a.account_id
  where e.tenant_id = :t and e.status = 'open' and {open_actual}
    and a.direction = e.direction and a.currency = e.currency
    and (e.account is null or e.account = acc.account_no)
    and abs(a.amount - e.amount) <= greatest(:abs, e.amount * :pct / 100)
    and not exists (select from recon_expected_item x where x.tenant_id = :t
                    and x.status = 'open' and x.{efield} = e.{efield} and x.id <> e.id)
  order by e.id, a.id
) found
"""

# Fast path: find, insert the groups and claim both sides in one statement, with no
# staging tables; the counts tell whether every pair was still open.
_EXACT_CLAIM = """
with pairs as materialized ({pairs}),
groups as (
  insert into recon_match_group (id, tenant_id, run_id, rule, strategy, variance, status,
                                 created_by, actual_ids, expected_ids)
  select gid, :t, :run, :rule, 'exact', variance, 'confirmed', :by, array[aid], array[eid]
  from pairs
), got_a as (
  update recon_actual_item a set matched_group_id = p.gid from pairs p
  where a.id = p.aid and {open_actual} returning 1
), got_e as (
  update recon_expected_item e set matched_group_id = p.gid, status = 'matched' from pairs p
  where e.id = p.eid and e.tenant_id = :t and e.status = 'open' returning 1
)
select (select count(*) from pairs), (select count(*) from got_a), (select count(*) from got_e)
"""

# Slow path: the same pairs staged for :func:`claim`, which drops the groups that lost.
_EXACT_STAGE = """
with pairs as materialized ({pairs}), staged_g as (
  insert into recon_claim_g
  select gid, :rule, 'exact', variance, array[aid], array[eid] from pairs
), staged_a as (
  insert into recon_claim_a select gid, aid from pairs
)
insert into recon_claim_e select gid, eid from pairs
"""


# Planner settings, scoped to the statements that need them (both are measured on
# bench/bench_recon.py, docs/PERFORMANCE.md):
# * an exact rule's statement spans whole tables, but the planner estimates the pairs of a
#   self-join on a unique key at a handful of rows and walks indexes once per row (1.5 s
#   for 200,000 pairs); hash joins over sequential scans with room in memory cost a third;
# * a claim of staged matches (the engine's few, a manual match) touches a fraction of the
#   items: probing them by primary key beats hashing both whole tables (1.9 s less for
#   80,000 matches among 1,000,000 items).
_BULK_SETTINGS = {"enable_nestloop": "off", "work_mem": "128MB"}
_PROBE_SETTINGS = {"enable_hashjoin": "off", "enable_mergejoin": "off"}


@contextmanager
def _planner(session: Session, settings: dict[str, str]) -> Iterator[None]:
    """Apply ``settings`` to the statements inside, then restore the previous values.

    Use it inside a savepoint: when a statement fails, rolling the savepoint back undoes
    the settings too (no statement can run in the failed transaction to restore them).
    """
    names = list(settings)
    before = session.execute(
        text("select current_setting(n) from unnest(cast(:n as text[])) as n"), {"n": names}
    ).scalars()
    previous = dict(zip(names, before, strict=True))
    _set_local(session, settings)
    yield
    _set_local(session, previous)


def _set_local(session: Session, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        session.execute(text("select set_config(:n, :v, true)"), {"n": name, "v": value})


def _exact_sql(template: str, key: str) -> str:
    afield, efield = ("utr", "utr") if key == "utr" else ("our_ref", "reference")
    pairs = _EXACT_PAIRS.format(afield=afield, efield=efield, open_actual=_OPEN_ACTUAL)
    return template.format(pairs=pairs, open_actual=_OPEN_ACTUAL)


def claim_exact(
    session: Session,
    tenant_id: int,
    run_id: int | None,
    created_by: str,
    rule: str,
    key: str,
    tolerance: tuple[Decimal, Decimal],
) -> int:
    """Claim the pairs exact rule ``rule`` finds on ``key`` (utr | reference); return how
    many. ``tolerance`` is (amount_abs, amount_pct).

    One statement when no concurrent run took an item meanwhile; otherwise the attempt is
    rolled back and the pairs go through :func:`stage_exact` and :func:`claim`.
    """
    params = {"t": tenant_id, "run": run_id, "by": created_by, "rule": rule}
    params.update(abs=tolerance[0], pct=tolerance[1], seq=_group_sequence(session))
    savepoint = session.begin_nested()
    try:
        with _planner(session, _BULK_SETTINGS):
            found = session.execute(text(_exact_sql(_EXACT_CLAIM, key)), params)
            want, got_a, got_e = found.one()
    except OperationalError as exc:  # a deadlock with another run: take the slow path
        savepoint.rollback()
        if getattr(exc.orig, "sqlstate", None) != "40P01":
            raise
    else:
        if want == got_a == got_e:
            savepoint.commit()
            return want
        savepoint.rollback()
    stage_exact(session, tenant_id, rule, key, *tolerance)
    return claim(session, tenant_id, run_id, created_by)


def stage_exact(
    session: Session, tenant_id: int, rule: str, key: str, amount_abs: Decimal, pct: Decimal
) -> int:
    """Stage the pairs exact rule ``rule`` finds on ``key`` for :func:`claim`; return count."""
    _reset(session)
    params = {"t": tenant_id, "abs": amount_abs, "pct": pct, "rule": rule}
    params["seq"] = _group_sequence(session)
    return session.execute(text(_exact_sql(_EXACT_STAGE, key)), params).rowcount


def stage_matches(session: Session, matches: Sequence[Any]) -> int:
    """Stage engine matches (``Match`` values) for :func:`claim`; return how many."""
    _reset(session)
    if not matches:
        return 0
    ids = session.execute(
        text("select nextval(cast(:seq as regclass)) from generate_series(1, :n)"),
        {"seq": _group_sequence(session), "n": len(matches)},
    ).scalars()
    gids = list(ids)
    groups = [
        (g, m.rule, m.strategy, m.variance, pg_array(m.actual_ids), pg_array(m.expected_ids))
        for g, m in zip(gids, matches, strict=True)
    ]
    columns = ("gid", "rule", "strategy", "variance", "aids", "eids")
    copy_rows(session, "recon_claim_g", columns, groups)
    pairs_a = [(g, a) for g, m in zip(gids, matches, strict=True) for a in m.actual_ids]
    pairs_e = [(g, e) for g, m in zip(gids, matches, strict=True) for e in m.expected_ids]
    copy_rows(session, "recon_claim_a", ("gid", "aid"), pairs_a)
    copy_rows(session, "recon_claim_e", ("gid", "eid"), pairs_e)
    return len(matches)


_INSERT_GROUPS = """
insert into recon_match_group (id, tenant_id, run_id, rule, strategy, variance, status, created_by,
                               actual_ids, expected_ids)
select gid, :t, :run, rule, strategy, variance, 'confirmed', :by, aids, eids from recon_claim_g
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
            with _planner(session, _PROBE_SETTINGS):
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


def pg_array(ids: Sequence[int]) -> str:
    """Return ``ids`` sorted, as a PostgreSQL array literal (for COPY)."""
    return "{" + ",".join(str(i) for i in sorted(ids)) + "}"
