"""agenda: a talk's segments (speaker, title, minutes), the segment shown live, and who a question is for

Revision ID: 0015
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('talk_segments',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('speaker_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_talk_segments_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', 'position', name=op.f('pk_talk_segments'))
    )
    with op.batch_alter_table('talks') as batch_op:
        batch_op.add_column(sa.Column('segment_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('segment_shown', sa.Integer(), nullable=True))
    with op.batch_alter_table('questions') as batch_op:
        batch_op.add_column(sa.Column('speaker_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('questions') as batch_op:
        batch_op.drop_column('speaker_id')
    with op.batch_alter_table('talks') as batch_op:
        batch_op.drop_column('segment_shown')
        batch_op.drop_column('segment_index')
    op.drop_table('talk_segments')
