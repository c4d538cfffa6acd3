"""posting references: set-based checks for dues, repayments, allocations and journals

Revision ID: s0009
Revises: s0008

A bulk-posted payment inserts two ``loan_due`` rows, a ``repayment``, two
``repayment_allocation`` rows and a ``journal_entry``. Their nine row-by-row foreign keys
queued one after-trigger event and ran one lookup per row each. As s0008 did for
``ledger_posting``, one statement-level trigger per table checks the statement's new
rows at once (index probes forced: the planner cannot size the transition table):

* ``loan_due``: the loan exists.
* ``repayment``: the loan exists *in the repayment's tenant*; the branch, if any, too.
* ``repayment_allocation``: the repayment and the due exist and belong to the same loan.
* ``journal_entry``: the tenant exists; the branch and the reversed journal, if any,
  exist in the journal's tenant.

None of the keys had an ON DELETE action (all were NO ACTION), so the referenced side
is a refusal: deleting (or renumbering) a loan with dues or repayments, a due or a
repayment with allocations, a branch or tenant that repayments or journals use is
refused by a row trigger. Journals are append-only already. The referencing columns
never change after insert; a row trigger refuses changing them (stricter than a key).

``ix_repayment_tenant_id`` and ``ix_journal_entry_tenant_id`` go: each table has a unique
index led by ``tenant_id`` that answers every tenant-only lookup, so they were pure
write cost.
"""

from alembic import op

revision = "s0009"
down_revision = "s0008"
branch_labels = None
depends_on = None

# (table, constraint, column, referenced table)
_KEYS = (
    ("loan_due", "fk_loan_due_loan_id_loan", "loan_id", "loan"),
    ("repayment", "fk_repayment_loan_id_loan", "loan_id", "loan"),
    ("repayment", "fk_repayment_tenant_id_tenant", "tenant_id", "tenant"),
    ("repayment", "fk_repayment_branch_id_branch", "branch_id", "branch"),
    (
        "repayment_allocation",
        "fk_repayment_allocation_repayment_id_repayment",
        "repayment_id",
        "repayment",
    ),
    ("repayment_allocation", "fk_repayment_allocation_due_id_loan_due", "due_id", "loan_due"),
    ("journal_entry", "fk_journal_entry_tenant_id_tenant", "tenant_id", "tenant"),
    ("journal_entry", "fk_journal_entry_branch_id_branch", "branch_id", "branch"),
    ("journal_entry", "fk_journal_entry_reverses_id_journal_entry", "reverses_id", "journal_entry"),
)
_INDEXES = (
    ("ix_repayment_tenant_id", "repayment"),
    ("ix_journal_entry_tenant_id", "journal_entry"),
)
# The referencing columns of each table (changing them is refused).
_REF_COLUMNS = {
    "loan_due": ("loan_id",),
    "repayment": ("loan_id", "tenant_id", "branch_id"),
    "repayment_allocation": ("repayment_id", "due_id"),
}

# why the settings: with a hash or merge join the planner may scan a whole referenced
# table for a large insert; index probes per new row cost the same whatever its size.
_PLAN = "set enable_hashjoin = off set enable_mergejoin = off"

CHECK_SQL = f"""
create function sangam_due_refs() returns trigger language plpgsql {_PLAN} as $$
declare
  bad bigint;
begin
  select n.loan_id into bad from sangam_new_dues n
  where not exists (select 1 from loan l where l.id = n.loan_id) limit 1;
  if found then
    raise exception 'loan_due: loan % does not exist', bad
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;
create trigger loan_due_refs after insert on loan_due
  referencing new table as sangam_new_dues
  for each statement execute function sangam_due_refs();

create function sangam_repayment_refs() returns trigger language plpgsql {_PLAN} as $$
declare
  bad bigint;
begin
  select n.loan_id into bad from sangam_new_repayments n
  where not exists (select 1 from loan l where l.id = n.loan_id and l.tenant_id = n.tenant_id)
     or (n.branch_id is not null and not exists (
           select 1 from branch b where b.id = n.branch_id and b.tenant_id = n.tenant_id))
  limit 1;
  if found then
    raise exception 'repayment: loan % or the branch not in the tenant', bad
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;
create trigger repayment_refs after insert on repayment
  referencing new table as sangam_new_repayments
  for each statement execute function sangam_repayment_refs();

create function sangam_allocation_refs() returns trigger language plpgsql {_PLAN} as $$
declare
  bad bigint;
begin
  select n.repayment_id into bad from sangam_new_allocations n
  left join repayment r on r.id = n.repayment_id
  left join loan_due d on d.id = n.due_id
  where r.id is null or d.id is null or d.loan_id <> r.loan_id
  limit 1;
  if found then
    raise exception 'repayment_allocation: repayment % or its due missing or of another loan',
      bad using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;
create trigger repayment_allocation_refs after insert on repayment_allocation
  referencing new table as sangam_new_allocations
  for each statement execute function sangam_allocation_refs();

create function sangam_journal_refs() returns trigger language plpgsql {_PLAN} as $$
declare
  bad bigint;
begin
  select n.id into bad from sangam_new_journals n
  where not exists (select 1 from tenant t where t.id = n.tenant_id)
     or (n.branch_id is not null and not exists (
           select 1 from branch b where b.id = n.branch_id and b.tenant_id = n.tenant_id))
     or (n.reverses_id is not null and not exists (
           select 1 from journal_entry j where j.id = n.reverses_id and j.tenant_id = n.tenant_id))
  limit 1;
  if found then
    raise exception 'journal_entry %: tenant, branch or reversed journal not in the tenant', bad
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;
create trigger journal_entry_refs after insert on journal_entry
  referencing new table as sangam_new_journals
  for each statement execute function sangam_journal_refs();

create function sangam_refuse_ref_change() returns trigger language plpgsql as $$
begin
  raise exception '%: the references of row % cannot change', tg_table_name, old.id
    using errcode = 'foreign_key_violation';
end $$;

-- The referenced side. Every probe has an index: loan_due and repayment by loan
-- (uq_loan_due_..., ix_repayment_loan), allocations by due and by repayment, repayments
-- and journals by tenant (their unique indexes). Branch probes scan, as the keys' did.
create function sangam_refuse_used_posting_ref() returns trigger language plpgsql as $$
declare
  used text;
begin
  if tg_op = 'UPDATE' and new.id = old.id then
    return new;
  end if;
  if tg_table_name = 'loan' then
    if exists (select 1 from loan_due d where d.loan_id = old.id) then
      used := 'loan_due';
    elsif exists (select 1 from repayment r where r.loan_id = old.id) then
      used := 'repayment';
    end if;
  elsif tg_table_name = 'loan_due' then
    if exists (select 1 from repayment_allocation a where a.due_id = old.id) then
      used := 'repayment_allocation';
    end if;
  elsif tg_table_name = 'repayment' then
    if exists (select 1 from repayment_allocation a where a.repayment_id = old.id) then
      used := 'repayment_allocation';
    end if;
  elsif tg_table_name = 'branch' then
    if exists (select 1 from repayment r where r.branch_id = old.id) then
      used := 'repayment';
    elsif exists (select 1 from journal_entry j where j.branch_id = old.id) then
      used := 'journal_entry';
    end if;
  elsif tg_table_name = 'tenant' then
    if exists (select 1 from repayment r where r.tenant_id = old.id) then
      used := 'repayment';
    elsif exists (select 1 from journal_entry j where j.tenant_id = old.id) then
      used := 'journal_entry';
    end if;
  end if;
  if used is not null then
    raise exception '% % is referenced from %: % refused', tg_table_name, old.id, used,
      lower(tg_op) using errcode = 'foreign_key_violation';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end $$;
"""

_GUARDED = ("loan", "loan_due", "repayment", "branch", "tenant")


def _ref_change_sql(table: str, columns: tuple[str, ...]) -> str:
    changed = " or ".join(f"old.{c} is distinct from new.{c}" for c in columns)
    return (
        f"create trigger {table}_refs_fixed before update on {table} for each row "
        f"when ({changed}) execute function sangam_refuse_ref_change()"
    )


def upgrade() -> None:
    for table, name, _, _ in _KEYS:
        op.drop_constraint(name, table, type_="foreignkey")
    for name, table in _INDEXES:
        op.drop_index(name, table_name=table)
    op.execute(CHECK_SQL)
    for table, columns in _REF_COLUMNS.items():
        op.execute(_ref_change_sql(table, columns))
    for table in _GUARDED:
        op.execute(
            f"create trigger {table}_posting_refs_in_use before delete or update of id "
            f"on {table} for each row execute function sangam_refuse_used_posting_ref()"
        )


def downgrade() -> None:
    for table in _GUARDED:
        op.execute(f"drop trigger {table}_posting_refs_in_use on {table}")
    for table in _REF_COLUMNS:
        op.execute(f"drop trigger {table}_refs_fixed on {table}")
    op.execute("drop function sangam_refuse_used_posting_ref()")
    op.execute("drop function sangam_refuse_ref_change()")
    for table, trigger, function in (
        ("loan_due", "loan_due_refs", "sangam_due_refs"),
        ("repayment", "repayment_refs", "sangam_repayment_refs"),
        ("repayment_allocation", "repayment_allocation_refs", "sangam_allocation_refs"),
        ("journal_entry", "journal_entry_refs", "sangam_journal_refs"),
    ):
        op.execute(f"drop trigger {trigger} on {table}")
        op.execute(f"drop function {function}()")
    for name, table in _INDEXES:
        op.create_index(name, table, ["tenant_id"])
    for table, name, column, referenced in _KEYS:
        op.create_foreign_key(name, table, referenced, [column], ["id"])
