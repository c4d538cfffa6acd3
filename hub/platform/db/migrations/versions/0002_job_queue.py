"""job queue: Procrastinate's tables, in Sangam's database

Revision ID: 0002
Revises: 0001
"""

import procrastinate
from alembic import op
from procrastinate import schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The SQL comes from the pinned Procrastinate release; a connector object is only
    # needed to build the manager, it does not connect here.
    manager = schema.SchemaManager(procrastinate.SyncPsycopgConnector(conninfo=""))
    # Straight to the driver: the script has literal % signs that must not be read as
    # placeholders, and psycopg only skips placeholder parsing when given no parameters.
    with op.get_bind().connection.cursor() as cursor:
        cursor.execute(manager.get_schema())


def downgrade() -> None:
    op.execute("drop table if exists procrastinate_events, procrastinate_periodic_defers, "
                "procrastinate_jobs, procrastinate_workers cascade")
