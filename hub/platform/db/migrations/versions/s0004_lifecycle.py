"""lifecycle: loan changes (history), write-off tracking, settlements, documents (NOC)

Revision ID: s0004_lifecycle
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "s0004_lifecycle"
down_revision = "s0003"
branch_labels = ("lifecycle",)
depends_on = None

_NOW = sa.text("now()")


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=20, scale=2), nullable=nullable)


def _tenant_columns(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=f"fk_{table}_branch_id_branch"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=f"fk_{table}_tenant_id_tenant"),
    ]


def _loan_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=f"fk_{table}_loan_id_loan")


def upgrade() -> None:
    op.create_table(
        "loan_change",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        _money("amount"),
        sa.Column("from_version", sa.BigInteger(), nullable=True),
        sa.Column("to_version", sa.BigInteger(), nullable=True),
        sa.Column("journal_id", sa.BigInteger(), nullable=True),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_tenant_columns("loan_change"),
        _loan_fk("loan_change"),
        sa.PrimaryKeyConstraint("id", name="pk_loan_change"),
        sa.UniqueConstraint(
            "tenant_id", "external_ref", name="uq_loan_change_tenant_id_external_ref"
        ),
    )
    op.create_index("ix_loan_change_loan", "loan_change", ["loan_id", "id"])
    op.create_index("ix_loan_change_tenant_id", "loan_change", ["tenant_id"])
    op.create_table(
        "loan_write_off",
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        _money("principal"),
        _money("interest"),
        _money("fees"),
        _money("penal"),
        _money("recovered_principal"),
        _money("recovered_interest"),
        _money("recovered_fees"),
        _money("recovered_penal"),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        *_tenant_columns("loan_write_off"),
        _loan_fk("loan_write_off"),
        sa.ForeignKeyConstraint(
            ["change_id"], ["loan_change.id"], name="fk_loan_write_off_change_id_loan_change"
        ),
        sa.PrimaryKeyConstraint("loan_id", name="pk_loan_write_off"),
    )
    op.create_index("ix_loan_write_off_tenant_id", "loan_write_off", ["tenant_id"])
    op.create_table(
        "loan_settlement",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _money("agreed_amount"),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("agreed_by", sa.String(length=100), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        _money("paid_amount", nullable=True),
        _money("waived_principal"),
        _money("waived_interest"),
        _money("waived_fees"),
        _money("waived_penal"),
        *_tenant_columns("loan_settlement"),
        _loan_fk("loan_settlement"),
        sa.CheckConstraint(
            "status in ('agreed','settled','cancelled')", name="ck_loan_settlement_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_loan_settlement"),
    )
    op.create_index("ix_loan_settlement_loan", "loan_settlement", ["loan_id", "id"])
    op.create_index("ix_loan_settlement_tenant_id", "loan_settlement", ["tenant_id"])
    op.create_table(
        "loan_document",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *_tenant_columns("loan_document"),
        _loan_fk("loan_document"),
        sa.PrimaryKeyConstraint("id", name="pk_loan_document"),
    )
    op.create_index("ix_loan_document_loan", "loan_document", ["loan_id", "kind", "id"])
    op.create_index("ix_loan_document_tenant_id", "loan_document", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("loan_document")
    op.drop_table("loan_settlement")
    op.drop_table("loan_write_off")
    op.drop_table("loan_change")
