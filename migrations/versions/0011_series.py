"""series: recurring series, their co-organisers and slots; talks.series_id

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-02 00:50:26.808493
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = '0011'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('organiser_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('cadence', sa.Enum('weekly', 'biweekly', 'monthly', name='seriescadence', native_enum=False, length=16), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('week_of_month', sa.Integer(), nullable=True),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('stream_kind', sa.Enum('youtube', 'meet', 'manual', name='streamkind', native_enum=False, length=16), nullable=False),
    sa.Column('announce_days', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('anchor', sa.Date(), nullable=False),
    sa.Column('paused', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('feed_token_hash', sa.String(length=64), nullable=False),
    sa.Column('source_view_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_series_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('feed_token_hash', name=op.f('uq_series_feed_token_hash')),
    sa.UniqueConstraint('source_view_id', name=op.f('uq_series_source_view_id'))
    )
    op.create_table('series_organisers',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_organisers_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'user_id', name=op.f('pk_series_organisers'))
    )
    op.create_table('series_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'filled', 'skipped', 'cancelled', name='slotstatus', native_enum=False, length=16), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_series_slots_series_id_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_series_slots_talk_id_talks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series_slots')),
    sa.UniqueConstraint('series_id', 'starts_at', name=op.f('uq_series_slots_series_id_starts_at')),
    sa.UniqueConstraint('talk_id', name=op.f('uq_series_slots_talk_id'))
    )
    with op.batch_alter_table('series_slots', schema=None) as batch_op:
        batch_op.create_index('ix_series_slots_status_starts_at', ['status', 'starts_at'], unique=False)

    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_talks_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_talks_series_id_series'), 'series', ['series_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_talks_series_id_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_talks_series_id'))
        batch_op.drop_column('series_id')

    with op.batch_alter_table('series_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_series_slots_status_starts_at')

    op.drop_table('series_slots')
    op.drop_table('series_organisers')
    op.drop_table('series')
