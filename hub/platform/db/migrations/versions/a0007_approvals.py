"""approvals: dual control (maker-checker) requests and the tenant's policy

Revision ID: a0007
Revises: s0004_lifecycle

Written by hand to match lms_core/persistence/platform/approval_models.py (see its docstring).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "a0007"
down_revision = "s0004_lifecycle"
branch_labels = None
depends_on = None


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant")
    )


def upgrade() -> None:
    op.create_table(
        "approval_request",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("maker", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checker", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("result_ref", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "checker IS NULL OR checker <> maker", name=op.f("ck_approval_request_four_eyes")
        ),
        sa.CheckConstraint(
            "status in ('pending','approved','rejected','cancelled','failed')",
            name=op.f("ck_approval_request_status"),
        ),
        _tenant_fk("approval_request"),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loan.id"], name=op.f("fk_approval_request_loan_id_loan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_request")),
    )
    op.create_index(
        "ix_approval_request_one_pending",
        "approval_request",
        ["tenant_id", "action", "loan_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_approval_request_queue", "approval_request", ["tenant_id", "status", "id"])
    op.create_table(
        "approval_policy",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("dual_control", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _tenant_fk("approval_policy"),
        sa.PrimaryKeyConstraint("tenant_id", "action", name=op.f("pk_approval_policy")),
    )


def downgrade() -> None:
    op.drop_table("approval_policy")
    op.drop_index("ix_approval_request_queue", table_name="approval_request")
    op.drop_index("ix_approval_request_one_pending", table_name="approval_request")
    op.drop_table("approval_request")
