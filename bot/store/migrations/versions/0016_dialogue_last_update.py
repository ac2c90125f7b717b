"""the dialogue state remembers the update whose turn last wrote it, so the same update delivered
again after a worker died (before acknowledging it) is not handled a second time

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dialogue_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dialogue_state", schema=None) as batch_op:
        batch_op.drop_column("last_update_id")
