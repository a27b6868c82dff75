"""flows: durable talk flow runs, and events parked until the message they refer to is recorded

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('flow_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=32), nullable=False),
    sa.Column('args', sa.Text(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'done', 'failed', name='flowstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=255), nullable=True),
    sa.Column('claimed_until', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['talk_id'], ['talks.id'], name=op.f('fk_flow_runs_talk_id_talks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_runs'))
    )
    op.create_index('ix_flow_runs_status_next_attempt_at', 'flow_runs', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_flow_runs_talk_id'), 'flow_runs', ['talk_id'], unique=False)
    op.create_table('parked_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parked_events'))
    )
    op.create_index('ix_parked_events_channel_ts', 'parked_events', ['channel', 'ts'], unique=False)
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('claimed_by')
    op.drop_index('ix_parked_events_channel_ts', table_name='parked_events')
    op.drop_table('parked_events')
    op.drop_index(op.f('ix_flow_runs_talk_id'), table_name='flow_runs')
    op.drop_index('ix_flow_runs_status_next_attempt_at', table_name='flow_runs')
    op.drop_table('flow_runs')
