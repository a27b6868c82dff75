"""follow-up: the recording link on talks (slides_url comes with 0012); lunch headcount: settings, choices, notices

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0014"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("talks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recording_url", sa.String(length=3000), nullable=True))
    op.create_table('lunch_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('in_person', sa.Boolean(), nullable=False),
    sa.Column('waitlisted', sa.Boolean(), nullable=False),
    sa.Column('dietary', sa.String(length=300), nullable=True),
    sa.Column('requested_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_lunch_choices_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lunch_choices')),
    sa.UniqueConstraint('talk_id', 'user_id', name=op.f('uq_lunch_choices_talk_id_user_id'))
    )
    with op.batch_alter_table('lunch_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lunch_choices_talk_id'), ['talk_id'], unique=False)

    op.create_table('lunch_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('about', sa.String(length=32), nullable=True),
    sa.Column('detail', sa.String(length=400), nullable=True),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_lunch_notices_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lunch_notices'))
    )
    with op.batch_alter_table('lunch_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lunch_notices_sent'), ['sent'], unique=False)
        batch_op.create_index(batch_op.f('ix_lunch_notices_talk_id'), ['talk_id'], unique=False)

    op.create_table('talk_lunches',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('cutoff_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('headcount_sent_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_talk_lunches_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', name=op.f('pk_talk_lunches'))
    )


def downgrade() -> None:
    op.drop_table('talk_lunches')
    with op.batch_alter_table('lunch_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lunch_notices_talk_id'))
        batch_op.drop_index(batch_op.f('ix_lunch_notices_sent'))

    op.drop_table('lunch_notices')
    with op.batch_alter_table('lunch_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lunch_choices_talk_id'))

    op.drop_table('lunch_choices')
    with op.batch_alter_table("talks", schema=None) as batch_op:
        batch_op.drop_column("recording_url")
