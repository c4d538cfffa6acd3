"""upi: UPI AutoPay mandates (PSP detail), cycles with pre-debit notices, debits, events

Revision ID: c0005
Revises: c0004
"""

import sqlalchemy as sa
from alembic import op

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = ("h0003",)  # upi_mandate and upi_event refer to counterpart

_NOW = sa.text("now()")


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "upi_mandate",
        sa.Column("mandate_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("counterpart_id", sa.BigInteger(), nullable=False),
        sa.Column("recurrence", sa.String(length=12), nullable=False),
        sa.Column("approval_url", sa.Text(), nullable=True),
        sa.Column("intent_url", sa.Text(), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        _fk("upi_mandate", "mandate_id", "mandate"),
        _fk("upi_mandate", "tenant_id", "tenant"),
        _fk("upi_mandate", "counterpart_id", "counterpart"),
        sa.PrimaryKeyConstraint("mandate_id", name="pk_upi_mandate"),
    )
    op.create_index("ix_upi_mandate_tenant_id", "upi_mandate", ["tenant_id"])
    op.create_table(
        "upi_cycle",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("mandate_id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("cycle_key", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("psp_notification_id", sa.String(length=60), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("debit_date", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        _fk("upi_cycle", "tenant_id", "tenant"),
        _fk("upi_cycle", "mandate_id", "mandate"),
        _fk("upi_cycle", "loan_id", "loan"),
        sa.PrimaryKeyConstraint("id", name="pk_upi_cycle"),
        sa.UniqueConstraint("mandate_id", "cycle_key", name="uq_upi_cycle_mandate_id_cycle_key"),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_upi_cycle_tenant_id_reference"),
    )
    op.create_index("ix_upi_cycle_due", "upi_cycle", ["tenant_id", "status", "debit_date"])
    op.create_table(
        "upi_debit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("cycle_id", sa.BigInteger(), nullable=False),
        sa.Column("mandate_id", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("psp_payment_id", sa.String(length=60), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repayment_id", sa.BigInteger(), nullable=True),
        sa.Column("refund_id", sa.String(length=60), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        _fk("upi_debit", "tenant_id", "tenant"),
        _fk("upi_debit", "cycle_id", "upi_cycle"),
        _fk("upi_debit", "mandate_id", "mandate"),
        _fk("upi_debit", "loan_id", "loan"),
        sa.PrimaryKeyConstraint("id", name="pk_upi_debit"),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_upi_debit_tenant_id_reference"),
        sa.UniqueConstraint("cycle_id", "attempt", name="uq_upi_debit_cycle_id_attempt"),
    )
    op.create_index(
        "uq_upi_debit_one_per_cycle",
        "upi_debit",
        ["cycle_id"],
        unique=True,
        postgresql_where=sa.text("status in ('pending', 'success', 'refunded')"),
    )
    op.create_table(
        "upi_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("counterpart_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("inbox_item_id", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        _fk("upi_event", "tenant_id", "tenant"),
        _fk("upi_event", "counterpart_id", "counterpart"),
        sa.PrimaryKeyConstraint("id", name="pk_upi_event"),
        sa.UniqueConstraint(
            "tenant_id", "counterpart_id", "event_id",
            name="uq_upi_event_tenant_id_counterpart_id_event_id",
        ),
    )
    op.create_index("ix_upi_event_subject", "upi_event", ["tenant_id", "subject"])


def downgrade() -> None:
    for table in ("upi_event", "upi_debit", "upi_cycle", "upi_mandate"):
        op.drop_table(table)
