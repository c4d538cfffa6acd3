"""end-of-day runs and partitions, benchmark rates, open-dues index

Revision ID: s0005_eod
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "s0005_eod"
down_revision = "s0003"
branch_labels = None
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
        "eod_run",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("partitions", sa.BigInteger(), nullable=False),
        sa.Column("loans", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_columns("eod_run"),
        sa.PrimaryKeyConstraint("id", name="pk_eod_run"),
        sa.UniqueConstraint(
            "tenant_id", "business_date", name="uq_eod_run_tenant_id_business_date"
        ),
    )
    op.create_index("ix_eod_run_tenant_id", "eod_run", ["tenant_id"])
    op.create_table(
        "eod_partition",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("first_loan_id", sa.BigInteger(), nullable=False),
        sa.Column("last_loan_id", sa.BigInteger(), nullable=False),
        sa.Column("loans", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("closed", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("seconds", sa.Numeric(12, 6), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["eod_run.id"], name="fk_eod_partition_run_id_eod_run"),
        sa.PrimaryKeyConstraint("id", name="pk_eod_partition"),
    )
    op.create_index("ix_eod_partition_run", "eod_partition", ["run_id", "status", "seq"])
    op.create_table(
        "benchmark_rate",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(12, 6), nullable=False),
        *_tenant_columns("benchmark_rate"),
        sa.PrimaryKeyConstraint("id", name="pk_benchmark_rate"),
        sa.UniqueConstraint(
            "tenant_id",
            "code",
            "effective_date",
            name="uq_benchmark_rate_tenant_id_code_effective_date",
        ),
    )
    op.create_index("ix_benchmark_rate_tenant_id", "benchmark_rate", ["tenant_id"])
    op.create_index(
        "ix_loan_due_unpaid",
        "loan_due",
        ["loan_id"],
        postgresql_where=sa.text("paid + waived < amount"),
    )


def downgrade() -> None:
    op.drop_index("ix_loan_due_unpaid", table_name="loan_due")
    op.drop_index("ix_benchmark_rate_tenant_id", table_name="benchmark_rate")
    op.drop_table("benchmark_rate")
    op.drop_index("ix_eod_partition_run", table_name="eod_partition")
    op.drop_table("eod_partition")
    op.drop_index("ix_eod_run_tenant_id", table_name="eod_run")
    op.drop_table("eod_run")
