"""hub: counterparts, inbox, staged records, outbox, schedule fires

Revision ID: h0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "h0003"
down_revision = "0002"
branch_labels = ("hub",)
depends_on = None

TABLES = (
    "schedule_fire",
    "outbound_attempt",
    "outbound_message",
    "inbound_record",
    "inbox_record_outcome",
    "inbox_item",
    "inbox_blob",
    "counterpart",
)


def upgrade() -> None:
    op.create_table('counterpart',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('connector', sa.String(length=60), nullable=False),
    sa.Column('config', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('secrets', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_counterpart_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counterpart')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_counterpart_tenant_id_code'))
    )
    op.create_index(op.f('ix_counterpart_tenant_id'), 'counterpart', ['tenant_id'], unique=False)
    op.create_table('inbox_blob',
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_inbox_blob_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('tenant_id', 'sha256', name=op.f('pk_inbox_blob'))
    )
    op.create_table('inbox_item',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('counterpart_id', sa.BigInteger(), nullable=True),
    sa.Column('document_kind', sa.String(length=60), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('dedupe_key', sa.String(length=400), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('declared', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('refs', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('attempts', sa.BigInteger(), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['counterpart_id'], ['counterpart.id'], name=op.f('fk_inbox_item_counterpart_id_counterpart')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_inbox_item_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_item')),
    sa.UniqueConstraint('tenant_id', 'source', 'dedupe_key', name=op.f('uq_inbox_item_tenant_id_source_dedupe_key'))
    )
    op.create_index('ix_inbox_item_claimable', 'inbox_item', ['status', 'lease_expires_at'], unique=False)
    op.create_index('ix_inbox_item_received', 'inbox_item', ['tenant_id', 'received_at'], unique=False)
    op.create_index('ix_inbox_item_refs', 'inbox_item', ['refs'], unique=False, postgresql_using='gin')
    op.create_table('inbox_record_outcome',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('inbox_item_id', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('record_key', sa.String(length=400), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['inbox_item_id'], ['inbox_item.id'], name=op.f('fk_inbox_record_outcome_inbox_item_id_inbox_item')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_inbox_record_outcome_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_record_outcome'))
    )
    op.create_index('ix_inbox_record_outcome_item', 'inbox_record_outcome', ['inbox_item_id', 'line'], unique=False)
    op.create_table('inbound_record',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('inbox_item_id', sa.BigInteger(), nullable=False),
    sa.Column('document_kind', sa.String(length=60), nullable=False),
    sa.Column('record_key', sa.String(length=400), nullable=False),
    sa.Column('line', sa.BigInteger(), nullable=False),
    sa.Column('canonical', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['inbox_item_id'], ['inbox_item.id'], name=op.f('fk_inbound_record_inbox_item_id_inbox_item')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_inbound_record_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_record')),
    sa.UniqueConstraint('tenant_id', 'document_kind', 'record_key', name=op.f('uq_inbound_record_tenant_id_document_kind_record_key'))
    )
    op.create_index('ix_inbound_record_item', 'inbound_record', ['inbox_item_id'], unique=False)
    op.create_table('outbound_message',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('counterpart_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('message_key', sa.String(length=100), nullable=False),
    sa.Column('ordering_key', sa.String(length=200), nullable=True),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('refs', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.BigInteger(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['counterpart_id'], ['counterpart.id'], name=op.f('fk_outbound_message_counterpart_id_counterpart')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_outbound_message_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_message')),
    sa.UniqueConstraint('tenant_id', 'message_key', name=op.f('uq_outbound_message_tenant_id_message_key'))
    )
    op.create_index('ix_outbound_message_due', 'outbound_message', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_outbound_message_order', 'outbound_message', ['counterpart_id', 'ordering_key', 'id'], unique=False)
    op.create_index('ix_outbound_message_refs', 'outbound_message', ['refs'], unique=False, postgresql_using='gin')
    op.create_table('outbound_attempt',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.BigInteger(), nullable=False),
    sa.Column('status_code', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['outbound_message.id'], name=op.f('fk_outbound_attempt_message_id_outbound_message')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_outbound_attempt_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_attempt'))
    )
    op.create_index('ix_outbound_attempt_message', 'outbound_attempt', ['message_id', 'number'], unique=False)
    op.create_table('schedule_fire',
    sa.Column('job_key', sa.String(length=200), nullable=False),
    sa.Column('fire_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger(), nullable=True),
    sa.Column('procrastinate_job_id', sa.BigInteger(), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_schedule_fire_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('job_key', 'fire_time', name=op.f('pk_schedule_fire'))
    )

    # Raw bytes are written once and read rarely: keep them out of the compression path
    # (files are often already compressed) and out of line.
    op.execute("alter table inbox_blob alter column data set storage external")


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
