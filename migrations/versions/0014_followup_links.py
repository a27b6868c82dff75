"""follow-up: slides and recording links on talks

Revision ID: 0014
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("talks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slides_url", sa.String(length=3000), nullable=True))
        batch_op.add_column(sa.Column("recording_url", sa.String(length=3000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("talks", schema=None) as batch_op:
        batch_op.drop_column("recording_url")
        batch_op.drop_column("slides_url")
