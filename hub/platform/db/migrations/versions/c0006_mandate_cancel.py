"""mandate cancel: our cancellation requests to the sponsor bank (pain.011) and the PSP

Revision ID: c0006
Revises: c0005
"""

import sqlalchemy as sa
from alembic import op

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None

_NOW = sa.text("now()")


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    name = f"fk_mandate_cancellation_{column}_{target}"
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name)


def upgrade() -> None:
    op.create_table(
        "mandate_cancellation",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("mandate_id", sa.BigInteger(), nullable=False),
        sa.Column("rail", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("batch_ref", sa.String(length=60), nullable=True),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("reject_code", sa.String(length=20), nullable=True),
        sa.Column("reject_reason", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        _fk("tenant_id", "tenant"),
        _fk("mandate_id", "mandate"),
        sa.PrimaryKeyConstraint("id", name="pk_mandate_cancellation"),
        sa.UniqueConstraint(
            "tenant_id", "message_id", name="uq_mandate_cancellation_tenant_id_message_id"
        ),
    )
    op.create_index(
        "ix_mandate_cancellation_todo", "mandate_cancellation", ["tenant_id", "rail", "status"]
    )
    op.create_index(
        "uq_mandate_cancellation_open",
        "mandate_cancellation",
        ["mandate_id"],
        unique=True,
        postgresql_where=sa.text("status in ('pending', 'sent')"),
    )


def downgrade() -> None:
    op.drop_table("mandate_cancellation")
