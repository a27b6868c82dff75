"""reactions as live feedback: per-minute counts, totals, per-talk nudge/reconcile state

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reaction_counts',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('surface', sa.String(length=16), nullable=False),
    sa.Column('emoji', sa.String(length=100), nullable=False),
    sa.Column('minute', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_reaction_counts_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', 'surface', 'emoji', 'minute', name=op.f('pk_reaction_counts'))
    )
    op.create_table('reaction_totals',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('surface', sa.String(length=16), nullable=False),
    sa.Column('emoji', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_reaction_totals_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', 'surface', 'emoji', name=op.f('pk_reaction_totals'))
    )
    op.create_table('reaction_talk_state',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('last_nudge_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_nudge_emoji', sa.String(length=100), nullable=True),
    sa.Column('reconciled_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_reaction_talk_state_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', name=op.f('pk_reaction_talk_state'))
    )
    op.create_table('reaction_users',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('first_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_reaction_users_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', 'user_id', name=op.f('pk_reaction_users'))
    )


def downgrade() -> None:
    op.drop_table('reaction_users')
    op.drop_table('reaction_talk_state')
    op.drop_table('reaction_totals')
    op.drop_table('reaction_counts')
