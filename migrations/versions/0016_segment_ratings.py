"""segment ratings: each part of a talk's agenda rated on its own in the survey

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('survey_answers') as batch_op:
        batch_op.add_column(sa.Column('segment_ratings', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('survey_answers') as batch_op:
        batch_op.drop_column('segment_ratings')
