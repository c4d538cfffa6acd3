"""hub: operational alerts (file SLA)

Revision ID: h0004
Revises: h0003
"""

import sqlalchemy as sa
from alembic import op

revision = "h0004"
down_revision = "h0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_alert",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("counterpart_id", sa.BigInteger(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["counterpart_id"],
            ["counterpart.id"],
            name=op.f("fk_hub_alert_counterpart_id_counterpart"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_hub_alert_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_alert")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_hub_alert_tenant_id_key")),
    )
    op.create_index(op.f("ix_hub_alert_tenant_id"), "hub_alert", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_alert_tenant_id"), table_name="hub_alert")
    op.drop_table("hub_alert")
