"""talk nudges: speakers opt in per talk to nudges on their boards; the nudge's count is kept for the board

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing talks keep no nudges: the DM they used to get is gone, and nudges are opt-in now.
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudges', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('reaction_talk_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_nudge_count', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reaction_talk_state', schema=None) as batch_op:
        batch_op.drop_column('last_nudge_count')
    with op.batch_alter_table('talks', schema=None) as batch_op:
        batch_op.drop_column('nudges')
