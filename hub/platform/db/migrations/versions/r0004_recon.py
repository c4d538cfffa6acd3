"""recon: escrow accounts, statements, actual and expected items, matches, breaks, runs

Revision ID: r0004
Revises: s0003 (servicing: expected items point at loans); depends on h0003 (inbox items)

Written by hand to match lms_core/persistence/recon/models.py (see its docstring).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0004"
down_revision = "s0003"
branch_labels = ("recon",)
depends_on = "h0003"

TABLES = (
    "recon_break",
    "recon_expected_item",
    "recon_actual_item",
    "recon_statement",
    "recon_suggestion",
    "recon_match_group",
    "recon_run",
    "recon_account",
)


def upgrade() -> None:
    op.create_table('recon_account',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('account_no', sa.String(length=40), nullable=False),
    sa.Column('bank', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('last_sequence', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_account_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_account')),
    sa.UniqueConstraint('tenant_id', 'account_no', name=op.f('uq_recon_account_tenant_id_account_no'))
    )
    op.create_index(op.f('ix_recon_account_tenant_id'), 'recon_account', ['tenant_id'], unique=False)
    op.create_table('recon_run',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('triggered_by', sa.String(length=100), nullable=False),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_run_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_run'))
    )
    op.create_index(op.f('ix_recon_run_tenant_id'), 'recon_run', ['tenant_id'], unique=False)
    op.create_table('recon_match_group',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('strategy', sa.String(length=30), nullable=False),
    sa.Column('variance', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('undone_by', sa.String(length=100), nullable=True),
    sa.Column('posting_status', sa.String(length=20), nullable=True),
    sa.Column('posting_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_match_group'))
    )
    op.create_index('ix_recon_match_group_run', 'recon_match_group', ['run_id'], unique=False)
    op.create_index(op.f('ix_recon_match_group_tenant_id'), 'recon_match_group', ['tenant_id'], unique=False)
    op.create_table('recon_suggestion',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('actual_ids', postgresql.ARRAY(sa.BigInteger()), nullable=False),
    sa.Column('expected_ids', postgresql.ARRAY(sa.BigInteger()), nullable=False),
    sa.Column('score', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['recon_run.id'], name=op.f('fk_recon_suggestion_run_id_recon_run')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_suggestion_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_suggestion')),
    sa.UniqueConstraint('tenant_id', 'actual_ids', 'expected_ids', name=op.f('uq_recon_suggestion_tenant_id_actual_ids_expected_ids'))
    )
    op.create_table('recon_statement',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('inbox_item_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('statement_ref', sa.String(length=100), nullable=False),
    sa.Column('sequence_no', sa.BigInteger(), nullable=True),
    sa.Column('statement_date', sa.Date(), nullable=True),
    sa.Column('opening', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('closing', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('line_count', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status in ('accepted','held')", name=op.f('ck_recon_statement_status')),
    sa.ForeignKeyConstraint(['account_id'], ['recon_account.id'], name=op.f('fk_recon_statement_account_id_recon_account')),
    sa.ForeignKeyConstraint(['inbox_item_id'], ['inbox_item.id'], name=op.f('fk_recon_statement_inbox_item_id_inbox_item')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_statement_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_statement')),
    sa.UniqueConstraint('account_id', 'sequence_no', name=op.f('uq_recon_statement_account_id_sequence_no'))
    )
    op.create_index(op.f('ix_recon_statement_tenant_id'), 'recon_statement', ['tenant_id'], unique=False)
    op.create_table('recon_actual_item',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('statement_id', sa.BigInteger(), nullable=True),
    sa.Column('inbox_item_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('line_no', sa.BigInteger(), nullable=False),
    sa.Column('line_key', sa.String(length=200), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=True),
    sa.Column('utr', sa.String(length=40), nullable=True),
    sa.Column('rail', sa.String(length=10), nullable=True),
    sa.Column('our_ref', sa.String(length=100), nullable=True),
    sa.Column('bank_ref', sa.String(length=100), nullable=True),
    sa.Column('narration', sa.Text(), nullable=False),
    sa.Column('counterparty', sa.String(length=200), nullable=True),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('matched_group_id', sa.BigInteger(), nullable=True),
    sa.Column('corroborates_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("direction in ('credit','debit')", name=op.f('ck_recon_actual_item_direction')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_recon_actual_item_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['recon_account.id'], name=op.f('fk_recon_actual_item_account_id_recon_account')),
    sa.ForeignKeyConstraint(['corroborates_id'], ['recon_actual_item.id'], name=op.f('fk_recon_actual_item_corroborates_id_recon_actual_item')),
    sa.ForeignKeyConstraint(['inbox_item_id'], ['inbox_item.id'], name=op.f('fk_recon_actual_item_inbox_item_id_inbox_item')),
    sa.ForeignKeyConstraint(['statement_id'], ['recon_statement.id'], name=op.f('fk_recon_actual_item_statement_id_recon_statement')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_actual_item_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_actual_item')),
    sa.UniqueConstraint('tenant_id', 'line_key', name=op.f('uq_recon_actual_item_tenant_id_line_key'))
    )
    op.create_index('ix_recon_actual_item_group', 'recon_actual_item', ['matched_group_id'], unique=False)
    op.create_index('ix_recon_actual_item_our_ref', 'recon_actual_item', ['tenant_id', 'our_ref'], unique=False)
    op.create_index('ix_recon_actual_item_utr', 'recon_actual_item', ['tenant_id', 'utr'], unique=False)
    op.create_table('recon_expected_item',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=True),
    sa.Column('loan_id', sa.BigInteger(), nullable=True),
    sa.Column('counterparty', sa.String(length=200), nullable=True),
    sa.Column('utr', sa.String(length=40), nullable=True),
    sa.Column('posting_ref', sa.String(length=100), nullable=True),
    sa.Column('batch', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('matched_group_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("direction in ('credit','debit')", name=op.f('ck_recon_expected_item_direction')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_recon_expected_item_amount_positive')),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], name=op.f('fk_recon_expected_item_loan_id_loan')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_expected_item_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_expected_item')),
    sa.UniqueConstraint('tenant_id', 'source', 'reference', name=op.f('uq_recon_expected_item_tenant_id_source_reference'))
    )
    op.create_index('ix_recon_expected_item_group', 'recon_expected_item', ['matched_group_id'], unique=False)
    op.create_index('ix_recon_expected_item_utr', 'recon_expected_item', ['tenant_id', 'utr'], unique=False)
    op.create_index('ix_recon_expected_item_reference', 'recon_expected_item', ['tenant_id', 'reference'], unique=False)
    op.create_table('recon_break',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('actual_item_id', sa.BigInteger(), nullable=True),
    sa.Column('expected_item_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('first_run_id', sa.BigInteger(), nullable=True),
    sa.Column('last_run_id', sa.BigInteger(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('assigned_to', sa.String(length=100), nullable=True),
    sa.Column('root_cause', sa.String(length=60), nullable=True),
    sa.Column('resolution', sa.String(length=30), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(actual_item_id IS NULL) <> (expected_item_id IS NULL)', name=op.f('ck_recon_break_one_item')),
    sa.ForeignKeyConstraint(['actual_item_id'], ['recon_actual_item.id'], name=op.f('fk_recon_break_actual_item_id_recon_actual_item')),
    sa.ForeignKeyConstraint(['expected_item_id'], ['recon_expected_item.id'], name=op.f('fk_recon_break_expected_item_id_recon_expected_item')),
    sa.ForeignKeyConstraint(['first_run_id'], ['recon_run.id'], name=op.f('fk_recon_break_first_run_id_recon_run')),
    sa.ForeignKeyConstraint(['last_run_id'], ['recon_run.id'], name=op.f('fk_recon_break_last_run_id_recon_run')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recon_break_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recon_break')),
    sa.UniqueConstraint('actual_item_id', name=op.f('uq_recon_break_actual_item_id')),
    sa.UniqueConstraint('expected_item_id', name=op.f('uq_recon_break_expected_item_id'))
    )
    op.create_index('ix_recon_break_queue', 'recon_break', ['tenant_id', 'status', 'opened_on'], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
