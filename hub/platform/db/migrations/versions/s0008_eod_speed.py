"""end-of-day speed: set-based posting reference checks, HOT loan updates, due-date lookup

Revision ID: s0008
Revises: s0005_eod

Three changes measured on the end-of-day benchmark (docs/PERFORMANCE.md):

* ``ledger_posting`` loses its four row-by-row foreign keys (journal, account, owner,
  tenant). Each fired one trigger and one lookup per inserted row, about 13 us of
  PostgreSQL per posting, most of the cost of writing the day's accruals. One
  statement-level trigger checks every inserted row at once (a join over the
  statement's new rows) and is stricter than the keys were: the journal, account and
  owner must exist *in the posting's tenant*. Rows that postings refer to cannot
  disappear: journals are append-only already, and deleting an account or owner that
  postings use is refused by a trigger (as the keys did).
* ``loan`` gets fillfactor 50, so each page keeps room for a second version of its
  rows: the daily update of every active loan (through-dates, DPD, class; no indexed
  column) stays a HOT update, with no new index entries.
* ``schedule_line`` gets an index on (loan, version, due date, number): the day-end's
  "first line due on or after the day" is one index probe instead of a walk over the
  installments already due.
"""

from alembic import op

revision = "s0008"
down_revision = "s0005_eod"
branch_labels = None
depends_on = None

_KEYS = (
    ("fk_ledger_posting_journal_id_journal_entry", "journal_id", "journal_entry"),
    ("fk_ledger_posting_account_id_ledger_account", "account_id", "ledger_account"),
    ("fk_ledger_posting_owner_id_exposure_owner", "owner_id", "exposure_owner"),
    ("fk_ledger_posting_tenant_id_tenant", "tenant_id", "tenant"),
)

CHECK_SQL = """
create function sangam_posting_refs() returns trigger language plpgsql
  -- why: the planner cannot size the transition table; with a hash or merge join it may
  -- scan all of journal_entry for a large insert. Index probes per new row cost the same
  -- whatever the size of the ledger.
  set enable_hashjoin = off set enable_mergejoin = off as $$
declare
  bad bigint;
begin
  select n.journal_id into bad from sangam_new_postings n
  left join journal_entry j on j.id = n.journal_id and j.tenant_id = n.tenant_id
  left join ledger_account a on a.id = n.account_id and a.tenant_id = n.tenant_id
  left join exposure_owner o on o.id = n.owner_id and o.tenant_id = n.tenant_id
  where j.id is null or a.id is null or o.id is null
  limit 1;
  if found then
    raise exception 'ledger_posting: journal %, its account or owner not in the tenant', bad
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;
create trigger ledger_posting_refs after insert on ledger_posting
  referencing new table as sangam_new_postings
  for each statement execute function sangam_posting_refs();

create function sangam_refuse_used_ledger_ref() returns trigger language plpgsql as $$
declare
  used boolean;
begin
  if tg_table_name = 'ledger_account' then  -- ix_ledger_posting_balance serves this one
    used := exists (select 1 from ledger_posting p
                    where p.tenant_id = old.tenant_id and p.account_id = old.id);
  else
    used := exists (select 1 from ledger_posting p
                    where p.tenant_id = old.tenant_id and p.owner_id = old.id);
  end if;
  if used then
    raise exception '% % has postings: delete refused', tg_table_name, old.id
      using errcode = 'foreign_key_violation';
  end if;
  return old;
end $$;
create trigger ledger_account_in_use before delete on ledger_account
  for each row execute function sangam_refuse_used_ledger_ref();
create trigger exposure_owner_in_use before delete on exposure_owner
  for each row execute function sangam_refuse_used_ledger_ref();
"""


def upgrade() -> None:
    for name, _, _ in _KEYS:
        op.drop_constraint(name, "ledger_posting", type_="foreignkey")
    op.execute(CHECK_SQL)
    op.execute("alter table loan set (fillfactor = 50)")
    op.create_index(
        "ix_schedule_line_due", "schedule_line", ["loan_id", "version", "due_date", "number"]
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_line_due", table_name="schedule_line")
    op.execute("alter table loan reset (fillfactor)")
    op.execute("drop trigger exposure_owner_in_use on exposure_owner")
    op.execute("drop trigger ledger_account_in_use on ledger_account")
    op.execute("drop function sangam_refuse_used_ledger_ref()")
    op.execute("drop trigger ledger_posting_refs on ledger_posting")
    op.execute("drop function sangam_posting_refs()")
    for name, column, table in _KEYS:
        op.create_foreign_key(name, "ledger_posting", table, [column], ["id"])
