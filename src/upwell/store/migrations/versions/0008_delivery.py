"""delivery: digest, nudges, fatigue controls, feedback, experiments

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _member_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('delivery_prefs',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('digest_enabled', sa.Boolean(), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('controls_enc', sa.LargeBinary(), nullable=True),
    sa.Column('address_enc', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _member_fk(),
    sa.PrimaryKeyConstraint('member_id')
    )
    op.create_table('digests_sent',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    _member_fk(),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'slot', name='uq_digests_sent_member_slot')
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    _member_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_deliveries_member_channel', 'deliveries',
                    ['member_id', 'channel', 'sent_at'], unique=False)
    op.create_table('nudges',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payload_enc', sa.LargeBinary(), nullable=False),
    _member_fk(),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'dedupe_key', name='uq_nudges_member_key')
    )
    op.create_index('ix_nudges_member_status', 'nudges', ['member_id', 'status', 'due_at'],
                    unique=False)
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('item_enc', sa.LargeBinary(), nullable=False),
    _member_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_feedback_member', 'feedback', ['member_id'], unique=False)
    op.create_table('experiments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _member_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_experiments_member', 'experiments', ['member_id'], unique=False)
    op.create_table('used_tokens',
    sa.Column('token_key', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_key')
    )


def downgrade() -> None:
    op.drop_table('used_tokens')
    op.drop_index('ix_experiments_member', table_name='experiments')
    op.drop_table('experiments')
    op.drop_index('ix_feedback_member', table_name='feedback')
    op.drop_table('feedback')
    op.drop_index('ix_nudges_member_status', table_name='nudges')
    op.drop_table('nudges')
    op.drop_index('ix_deliveries_member_channel', table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_table('digests_sent')
    op.drop_table('delivery_prefs')
