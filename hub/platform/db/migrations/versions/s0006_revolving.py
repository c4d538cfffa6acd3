"""revolving credit / overdraft lines: line, transactions, dues, daily accruals

Revision ID: s0006_revolving
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op

revision = "s0006_revolving"
down_revision = "s0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=20, scale=2)


def upgrade() -> None:
    op.create_table(
        "credit_line",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("limit_amount", MONEY, nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("day_count", sa.String(length=10), nullable=False),
        sa.Column("billing_day", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("drawn", MONEY, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_precise", sa.Numeric(), nullable=False),
        sa.Column("period_posted", MONEY, nullable=False),
        sa.Column("accrued_through", sa.Date(), nullable=True),
        sa.Column("borrower_name", sa.String(length=200), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("branch_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status in ('active','suspended','closed')", name=op.f("ck_credit_line_status")
        ),
        sa.CheckConstraint("drawn >= 0", name=op.f("ck_credit_line_drawn_not_negative")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_credit_line_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_credit_line_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_line")),
        sa.UniqueConstraint(
            "tenant_id", "line_number", name=op.f("uq_credit_line_tenant_id_line_number")
        ),
    )
    op.create_index(op.f("ix_credit_line_tenant_id"), "credit_line", ["tenant_id"])
    op.create_index("ix_credit_line_eod", "credit_line", ["tenant_id", "status", "accrued_through"])
    op.create_table(
        "credit_line_txn",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("principal", MONEY, nullable=False),
        sa.Column("interest", MONEY, nullable=False),
        sa.Column("fees", MONEY, nullable=False),
        sa.Column("drawn_after", MONEY, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("journal_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["credit_line.id"], name=op.f("fk_credit_line_txn_line_id_credit_line")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_line_txn")),
        sa.UniqueConstraint(
            "line_id", "external_ref", name=op.f("uq_credit_line_txn_line_id_external_ref")
        ),
    )
    op.create_index(
        "ix_credit_line_txn_line", "credit_line_txn", ["line_id", "business_date", "id"]
    )
    op.create_table(
        "credit_line_due",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.CheckConstraint("paid <= amount", name=op.f("ck_credit_line_due_not_overpaid")),
        sa.ForeignKeyConstraint(
            ["line_id"], ["credit_line.id"], name=op.f("fk_credit_line_due_line_id_credit_line")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_line_due")),
        sa.UniqueConstraint(
            "line_id", "kind", "due_date", name=op.f("uq_credit_line_due_line_id_kind_due_date")
        ),
    )
    op.create_index(op.f("ix_credit_line_due_line_id"), "credit_line_due", ["line_id"])
    op.create_table(
        "credit_line_accrual",
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["credit_line.id"],
            name=op.f("fk_credit_line_accrual_line_id_credit_line"),
        ),
        sa.PrimaryKeyConstraint("line_id", "day", name=op.f("pk_credit_line_accrual")),
    )


def downgrade() -> None:
    op.drop_table("credit_line_accrual")
    op.drop_index(op.f("ix_credit_line_due_line_id"), table_name="credit_line_due")
    op.drop_table("credit_line_due")
    op.drop_index("ix_credit_line_txn_line", table_name="credit_line_txn")
    op.drop_table("credit_line_txn")
    op.drop_index("ix_credit_line_eod", table_name="credit_line")
    op.drop_index(op.f("ix_credit_line_tenant_id"), table_name="credit_line")
    op.drop_table("credit_line")
