"""production: processed updates (webhook de-duplication) and service heartbeats

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("production",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_update_received_at"), ["received_at"], unique=False
        )
    op.create_table(
        "service_heartbeat",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("beat_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("service_heartbeat")
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_update_received_at"))
    op.drop_table("processed_update")
