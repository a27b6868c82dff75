"""proposals board (talk proposals, survey topics, votes), speaker check-ins, a talk's slides link

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = '0012'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slides_url', sa.String(length=3000), nullable=True))
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_next', sa.Text(), nullable=True))
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('talk', 'topic', name='proposalkind', native_enum=False, length=16), nullable=False),
    sa.Column('proposer_id', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('preferred_dates', sa.String(length=64), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', name='proposalstatus', native_enum=False, length=16), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('survey_answer_id', sa.Integer(), nullable=True),
    sa.Column('survey_talk_id', sa.Integer(), nullable=True),
    sa.Column('source_view_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_answer_id'], ['survey_answers.id'], name=op.f('fk_proposals_survey_answer_id_survey_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_talk_id'], ['talks.id'], name=op.f('fk_proposals_survey_talk_id_talks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_proposals_talk_id_talks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_proposals_team_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('source_view_id', name=op.f('uq_proposals_source_view_id')),
    sa.UniqueConstraint('survey_answer_id', name=op.f('uq_proposals_survey_answer_id'))
    )
    op.create_index('ix_proposals_board', 'proposals', ['team_id', 'channel_id', 'status'], unique=False)
    op.create_table('proposal_votes',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('action_ts', sa.String(length=32), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_votes_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'user_id', name=op.f('pk_proposal_votes'))
    )
    op.create_table('speaker_checkins',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('starts_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('answered_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_speaker_checkins_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', 'user_id', name=op.f('pk_speaker_checkins'))
    )


def downgrade() -> None:
    op.drop_table('speaker_checkins')
    op.drop_table('proposal_votes')
    op.drop_index('ix_proposals_board', table_name='proposals')
    op.drop_table('proposals')
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_column('cover_next')
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.drop_column('slides_url')
