"""tasks: one row per task run (idempotent completion under redelivery)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('task', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('queue', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cpu_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_task_runs_member', 'task_runs', ['member_id'], unique=False)
    op.create_index('ix_task_runs_status', 'task_runs', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_runs_status', table_name='task_runs')
    op.drop_index('ix_task_runs_member', table_name='task_runs')
    op.drop_table('task_runs')
