"""platform: one approvals service for every domain (subjects, amounts, N checkers, bands)

The loan-only approval request becomes a request on any subject (subject_type / id),
with its amount and the number of approvals it needs; each checker's decision is a row;
the policy gains amount bands. The reconciliation desk's own threshold setting moves
into the policy of its action (``recon.resolution``), and its pending requests become
approval requests.

Revision ID: platform_0001
Revises: a0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "platform_0001"
down_revision = "a0007"
branch_labels = ("platform",)
depends_on = ("r0006",)


def upgrade() -> None:
    _requests()
    _decisions()
    op.add_column(
        "approval_policy",
        sa.Column("bands", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    _recon_desk()


def _requests() -> None:
    op.add_column("approval_request", sa.Column("subject_type", sa.String(40), nullable=True))
    op.add_column("approval_request", sa.Column("subject_id", sa.String(60), nullable=True))
    op.add_column("approval_request", sa.Column("amount", sa.Numeric(20, 2), nullable=True))
    op.add_column(
        "approval_request",
        sa.Column("required", sa.SmallInteger(), nullable=False, server_default="1"),
    )
    op.execute(
        "update approval_request set subject_type = 'loan', subject_id = loan_id::text, "
        "amount = nullif(payload->>'amount', '')::numeric"
    )
    op.alter_column("approval_request", "subject_type", nullable=False)
    op.alter_column("approval_request", "subject_id", nullable=False)
    op.alter_column("approval_request", "required", server_default=None)
    op.drop_index("ix_approval_request_one_pending", table_name="approval_request")
    op.drop_constraint("fk_approval_request_loan_id_loan", "approval_request", type_="foreignkey")
    op.drop_column("approval_request", "loan_id")
    op.create_index(
        "ix_approval_request_one_pending",
        "approval_request",
        ["tenant_id", "action", "subject_type", "subject_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def _decisions() -> None:
    op.create_table(
        "approval_decision",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("checker", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "decision in ('approve','reject')", name=op.f("ck_approval_decision_decision")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_approval_decision_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_request.id"],
            name=op.f("fk_approval_decision_request_id_approval_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_decision")),
        sa.UniqueConstraint(
            "request_id", "checker", name=op.f("uq_approval_decision_request_id_checker")
        ),
    )
    # the decisions already taken, one per decided request
    op.execute(
        "insert into approval_decision (tenant_id, request_id, checker, decision, comment, at) "
        "select tenant_id, id, checker, case when status = 'rejected' then 'reject' "
        "else 'approve' end, comment, coalesce(decided_at, now()) from approval_request "
        "where checker is not null"
    )


def _recon_desk() -> None:
    # a threshold T meant "a checker above T": bands [0: none, T + 0.01: one]
    op.execute(
        "insert into approval_policy (tenant_id, action, dual_control, bands, updated_by, "
        "updated_at) select tenant_id, 'recon.resolution', true, jsonb_build_array("
        "jsonb_build_object('min_amount', '0', 'checkers', 0), "
        "jsonb_build_object('min_amount', (approval_threshold + 0.01)::text, 'checkers', 1)), "
        "updated_by, now() from recon_desk_setting"
    )
    op.execute(
        "insert into approval_request (tenant_id, action, subject_type, subject_id, amount, "
        "required, payload, maker, status, comment, created_at) "
        "select tenant_id, 'recon.resolution', 'recon_resolution', id::text, amount, 1, "
        "jsonb_build_object('break_id', break_id, 'kind', kind, 'amount', amount::text), "
        "maker, 'pending', '', created_at from recon_resolution where status = 'pending'"
    )
    op.drop_table("recon_desk_setting")


def downgrade() -> None:
    op.create_table(
        "recon_desk_setting",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("approval_threshold", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_recon_desk_setting_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_recon_desk_setting")),
    )
    op.execute("delete from approval_request where subject_type <> 'loan'")
    op.execute("delete from approval_policy where action = 'recon.resolution'")
    op.drop_column("approval_policy", "bands")
    op.drop_table("approval_decision")
    op.drop_index("ix_approval_request_one_pending", table_name="approval_request")
    op.add_column("approval_request", sa.Column("loan_id", sa.BigInteger(), nullable=True))
    op.execute("update approval_request set loan_id = subject_id::bigint")
    op.alter_column("approval_request", "loan_id", nullable=False)
    op.create_foreign_key(
        "fk_approval_request_loan_id_loan", "approval_request", "loan", ["loan_id"], ["id"]
    )
    for column in ("required", "amount", "subject_id", "subject_type"):
        op.drop_column("approval_request", column)
    op.create_index(
        "ix_approval_request_one_pending",
        "approval_request",
        ["tenant_id", "action", "loan_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
