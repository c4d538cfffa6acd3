"""recon: break desk (comments, adjustment / write-off requests with maker-checker, policy)

Revision ID: r0005
Revises: r0004

Written by hand to match lms_core/persistence/recon/desk_models.py (see its docstring).
"""

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant")
    )


def _break_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["break_id"], ["recon_break.id"], name=op.f(f"fk_{table}_break_id_recon_break")
    )


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "recon_break_comment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("break_id", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _created_at(),
        _tenant_fk("recon_break_comment"),
        _break_fk("recon_break_comment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_break_comment")),
    )
    op.create_index(
        op.f("ix_recon_break_comment_break_id"), "recon_break_comment", ["break_id"], unique=False
    )
    op.create_table(
        "recon_resolution",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("break_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("maker", sa.String(length=100), nullable=False),
        sa.Column("checker", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("journal_id", sa.BigInteger(), nullable=True),
        _created_at(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_recon_resolution_amount_positive")),
        sa.CheckConstraint(
            "checker IS NULL OR checker <> maker", name=op.f("ck_recon_resolution_four_eyes")
        ),
        sa.CheckConstraint(
            "kind in ('adjustment','write_off')", name=op.f("ck_recon_resolution_kind")
        ),
        sa.CheckConstraint(
            "status in ('pending','applied','rejected')", name=op.f("ck_recon_resolution_status")
        ),
        _tenant_fk("recon_resolution"),
        _break_fk("recon_resolution"),
        sa.ForeignKeyConstraint(
            ["journal_id"],
            ["journal_entry.id"],
            name=op.f("fk_recon_resolution_journal_id_journal_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_resolution")),
    )
    op.create_index(
        "ix_recon_resolution_one_pending",
        "recon_resolution",
        ["break_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_recon_resolution_queue", "recon_resolution", ["tenant_id", "status"], unique=False
    )
    op.create_table(
        "recon_desk_setting",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("approval_threshold", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        _tenant_fk("recon_desk_setting"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_recon_desk_setting")),
    )


def downgrade() -> None:
    op.drop_table("recon_desk_setting")
    op.drop_index("ix_recon_resolution_queue", table_name="recon_resolution")
    op.drop_index("ix_recon_resolution_one_pending", table_name="recon_resolution")
    op.drop_table("recon_resolution")
    op.drop_index(op.f("ix_recon_break_comment_break_id"), table_name="recon_break_comment")
    op.drop_table("recon_break_comment")
