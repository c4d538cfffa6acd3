"""recon speed: HOT claims (fillfactor 50, no index on matched_group_id), group item ids

Revision ID: r0006
Revises: r0005

A run claims up to a million items with ``UPDATE ... SET matched_group_id``. Measured
on ``bench/bench_recon.py`` (docs/PERFORMANCE.md), those updates were half the run: each
new row version went to a new page and into every index of the table.

* ``recon_actual_item`` and ``recon_expected_item`` get fillfactor 50 (room on each
  page for the claimed version of every row on it) and lose their index on
  ``matched_group_id``, so a claim touches no indexed column and is a HOT update: no new
  index entries at all.
* ``recon_match_group`` gets ``actual_ids`` / ``expected_ids``: the items a group
  claimed. The desk's unmatch and the posting of a group read them there instead of
  searching the items by ``matched_group_id``. Existing groups are filled from the items.
  Its index on ``tenant_id`` goes: groups are read by id or by run, and a run inserts up
  to a million of them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None

_BACKFILL = """
update recon_match_group g set
  actual_ids = coalesce((select array_agg(a.id order by a.id) from recon_actual_item a
                         where a.matched_group_id = g.id), '{}'),
  expected_ids = coalesce((select array_agg(e.id order by e.id) from recon_expected_item e
                           where e.matched_group_id = g.id), '{}')
"""


def upgrade() -> None:
    for side in ("actual_ids", "expected_ids"):
        op.add_column(
            "recon_match_group",
            sa.Column(
                side,
                postgresql.ARRAY(sa.BigInteger()),
                server_default=sa.text("'{}'"),
                nullable=False,
            ),
        )
    op.execute(_BACKFILL)  # why: before the indexes it uses are dropped
    for side in ("actual_ids", "expected_ids"):
        op.alter_column("recon_match_group", side, server_default=None)
    op.drop_index("ix_recon_actual_item_group", table_name="recon_actual_item")
    op.drop_index("ix_recon_expected_item_group", table_name="recon_expected_item")
    op.drop_index("ix_recon_match_group_tenant_id", table_name="recon_match_group")
    op.execute("alter table recon_actual_item set (fillfactor = 50)")
    op.execute("alter table recon_expected_item set (fillfactor = 50)")


def downgrade() -> None:
    op.execute("alter table recon_expected_item reset (fillfactor)")
    op.execute("alter table recon_actual_item reset (fillfactor)")
    op.create_index(
        "ix_recon_match_group_tenant_id", "recon_match_group", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_recon_expected_item_group", "recon_expected_item", ["matched_group_id"], unique=False
    )
    op.create_index(
        "ix_recon_actual_item_group", "recon_actual_item", ["matched_group_id"], unique=False
    )
    op.drop_column("recon_match_group", "expected_ids")
    op.drop_column("recon_match_group", "actual_ids")
