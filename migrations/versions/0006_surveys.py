"""surveys: per-talk survey config, the survey DM outbox, answers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_configs',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('custom_question', sa.String(length=300), nullable=True),
    sa.Column('post_summary', sa.Boolean(), nullable=False),
    sa.Column('reminder_hours', sa.Integer(), nullable=True),
    sa.Column('close_hours', sa.Integer(), nullable=True),
    sa.Column('opened_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminder_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_survey_configs_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', name=op.f('pk_survey_configs'))
    )
    op.create_table('survey_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'undeliverable', name='surveymessagestatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('dm_channel', sa.String(length=32), nullable=True),
    sa.Column('dm_ts', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_survey_messages_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_messages')),
    sa.UniqueConstraint('talk_id', 'user_id', 'kind', name=op.f('uq_survey_messages_talk_id_user_id_kind'))
    )
    op.create_index('ix_survey_messages_due', 'survey_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=True),
    sa.Column('usefulness', sa.Integer(), nullable=True),
    sa.Column('improve', sa.Text(), nullable=True),
    sa.Column('topics', sa.Text(), nullable=True),
    sa.Column('custom_answer', sa.Text(), nullable=True),
    sa.Column('share_name', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_survey_answers_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('talk_id', 'user_id', name=op.f('uq_survey_answers_talk_id_user_id'))
    )


def downgrade() -> None:
    op.drop_table('survey_answers')
    op.drop_index('ix_survey_messages_due', table_name='survey_messages')
    op.drop_table('survey_messages')
    op.drop_table('survey_configs')
