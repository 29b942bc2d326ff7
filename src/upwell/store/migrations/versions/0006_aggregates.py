"""group insights: policy versions, team tree, guarded releases, privacy ledger

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aggregate_policies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.Text(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('epsilon', sa.Float(), nullable=False),
    sa.Column('period_days', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'version', name='uq_aggregate_policies_org_version')
    )
    op.create_table('org_nodes',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('node_key', sa.String(length=64), nullable=False),
    sa.Column('parent_key', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'period', 'node_key')
    )
    op.create_table('org_members',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('node_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'period', 'account_id')
    )
    op.create_table('aggregate_releases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('node_key', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('half_width', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'policy_version', 'node_key', 'metric', 'period', name='uq_aggregate_releases_key')
    )
    op.create_index('ix_aggregate_releases_org_period', 'aggregate_releases', ['org_id', 'period'], unique=False)
    op.create_table('aggregate_contributors',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['aggregate_releases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'account_id'),
    sqlite_with_rowid=False
    )
    op.create_table('aggregate_ledger',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('node_key', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('epsilon', sa.Float(), nullable=False),
    sa.Column('mechanism', sa.String(length=80), nullable=False),
    sa.Column('scale_sum', sa.Float(), nullable=False),
    sa.Column('scale_count', sa.Float(), nullable=False),
    sa.Column('charged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_aggregate_ledger_org_period', 'aggregate_ledger', ['org_id', 'period'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_aggregate_ledger_org_period', table_name='aggregate_ledger')
    op.drop_table('aggregate_ledger')
    op.drop_table('aggregate_contributors')
    op.drop_index('ix_aggregate_releases_org_period', table_name='aggregate_releases')
    op.drop_table('aggregate_releases')
    op.drop_table('org_members')
    op.drop_table('org_nodes')
    op.drop_table('aggregate_policies')
