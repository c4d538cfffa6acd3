"""collections: mandate registry, mandate events, NACH presentations and items

Revision ID: c0004
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c0004"
down_revision = "s0003"
branch_labels = ("collections",)
depends_on = None

_NOW = sa.text("now()")


def _tenant_columns(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=f"fk_{table}_branch_id_branch"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=f"fk_{table}_tenant_id_tenant"),
    ]


def upgrade() -> None:
    op.create_table(
        "mandate",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.String(length=35), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=True),
        sa.Column("provider", sa.String(length=60), nullable=True),
        sa.Column("provider_ref", sa.String(length=100), nullable=True),
        sa.Column("debtor_name", sa.String(length=100), nullable=False),
        sa.Column("debtor_account_token", sa.Text(), nullable=False),
        sa.Column("debtor_account_masked", sa.String(length=40), nullable=False),
        sa.Column("debtor_ifsc", sa.String(length=11), nullable=True),
        sa.Column("account_type", sa.String(length=10), nullable=False),
        sa.Column("amount_rule", sa.String(length=5), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("reject_code", sa.String(length=20), nullable=True),
        sa.Column("reject_reason", sa.String(length=200), nullable=True),
        sa.Column("batch_ref", sa.String(length=60), nullable=True),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_tenant_columns("mandate"),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name="fk_mandate_loan_id_loan"),
        sa.PrimaryKeyConstraint("id", name="pk_mandate"),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_mandate_tenant_id_reference"),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_mandate_tenant_id_request_id"),
    )
    op.create_index("ix_mandate_tenant_id", "mandate", ["tenant_id"])
    op.create_index("ix_mandate_loan", "mandate", ["loan_id", "status"])
    op.create_table(
        "mandate_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("mandate_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandate.id"], name="fk_mandate_event_mandate_id_mandate"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mandate_event"),
    )
    op.create_index("ix_mandate_event_mandate", "mandate_event", ["mandate_id", "id"])
    op.create_table(
        "nach_presentation",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("counterpart", sa.String(length=60), nullable=False),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("file_number", sa.String(length=9), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("item_count", sa.BigInteger(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outbound_message_id", sa.BigInteger(), nullable=True),
        sa.Column("response_item_id", sa.BigInteger(), nullable=True),
        *_tenant_columns("nach_presentation"),
        sa.PrimaryKeyConstraint("id", name="pk_nach_presentation"),
        sa.UniqueConstraint(
            "tenant_id", "file_number", name="uq_nach_presentation_tenant_id_file_number"
        ),
    )
    op.create_index("ix_nach_presentation_tenant_id", "nach_presentation", ["tenant_id"])
    op.create_index(
        "ix_nach_presentation_date", "nach_presentation", ["tenant_id", "settlement_date"]
    )
    op.create_table(
        "nach_presentation_item",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("presentation_id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("mandate_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("sequence_number", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("attempt", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=2), nullable=True),
        sa.Column("repayment_id", sa.BigInteger(), nullable=True),
        sa.Column("bounce_due_id", sa.BigInteger(), nullable=True),
        sa.Column("represent_on", sa.Date(), nullable=True),
        sa.Column("next_item_id", sa.BigInteger(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name="fk_nach_presentation_item_tenant_id_tenant"
        ),
        sa.ForeignKeyConstraint(
            ["presentation_id"],
            ["nach_presentation.id"],
            name="fk_nach_presentation_item_presentation_id_nach_presentation",
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loan.id"], name="fk_nach_presentation_item_loan_id_loan"
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandate.id"], name="fk_nach_presentation_item_mandate_id_mandate"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_nach_presentation_item"),
        sa.UniqueConstraint(
            "tenant_id", "reference", name="uq_nach_presentation_item_tenant_id_reference"
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "loan_id",
            "due_date",
            "attempt",
            name="uq_nach_presentation_item_tenant_id_loan_id_due_date_attempt",
        ),
    )
    op.create_index(
        "ix_nach_item_presentation",
        "nach_presentation_item",
        ["presentation_id", "sequence_number"],
    )
    op.create_index(
        "ix_nach_item_represent", "nach_presentation_item", ["tenant_id", "status", "represent_on"]
    )


def downgrade() -> None:
    op.drop_table("nach_presentation_item")
    op.drop_table("nach_presentation")
    op.drop_table("mandate_event")
    op.drop_table("mandate")
