"""home: the announcement's stored permalink, and attendance (join clicks)

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = '0013'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance',
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('first_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_attendance_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('talk_id', 'user_id', 'source', name=op.f('pk_attendance'))
    )
    with op.batch_alter_table('talks') as batch_op:
        batch_op.add_column(sa.Column('announcement_permalink', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('talks') as batch_op:
        batch_op.drop_column('announcement_permalink')
    op.drop_table('attendance')
