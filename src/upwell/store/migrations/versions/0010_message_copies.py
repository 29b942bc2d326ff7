"""message copies: a blind key of each message's content fingerprint and of its folder

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('copy_key', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('folder_key', sa.String(length=32), nullable=True))
    op.create_index('ix_messages_member_copy', 'messages', ['member_id', 'copy_key'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_messages_member_copy', table_name='messages')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('folder_key')
        batch.drop_column('copy_key')
