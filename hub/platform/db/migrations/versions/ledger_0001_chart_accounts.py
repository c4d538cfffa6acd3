"""ledger: the accounts co-lending, securitisation, SCF and field collections post to,
created for every existing tenant (new tenants get the whole chart when created)

Revision ID: ledger_0001
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision = "0002"
branch_labels = ("ledger",)
depends_on = None

# why a copy and not lms_core.ledger.chart: a migration must not change when the code does
ACCOUNTS = (
    ("CASH_COLLATERAL", "Cash collateral placed for a securitisation", "asset"),
    ("CASH_IN_TRANSIT", "Field collections not yet deposited", "asset"),
    ("DLG_PAYABLE", "Default loss guarantee owed to co-lenders", "liability"),
    ("UNEARNED_DISCOUNT", "Discount collected upfront, not yet earned", "liability"),
    ("SUPPLIER_PAYABLE", "Owed to suppliers (supply chain finance)", "liability"),
    ("DISCOUNT_INCOME", "Discount earned (supply chain finance)", "income"),
    ("SERVICING_FEE_INCOME", "Servicing fee and retained spread", "income"),
    ("GAIN_ON_TRANSFER", "Gain on assignment / securitisation", "income"),
    ("LOSS_ON_TRANSFER", "Loss on assignment / securitisation", "expense"),
)


def upgrade() -> None:
    insert = sa.text(
        "insert into ledger_account (tenant_id, code, name, type, created_at) "
        "select id, :code, :name, :type, now() from tenant "
        "on conflict (tenant_id, code) do nothing"
    )
    for code, name, kind in ACCOUNTS:
        op.execute(insert.bindparams(code=code, name=name, type=kind))


def downgrade() -> None:
    op.execute(
        sa.text("delete from ledger_account where code in :codes").bindparams(
            sa.bindparam("codes", [c for c, _, _ in ACCOUNTS], expanding=True)
        )
    )
