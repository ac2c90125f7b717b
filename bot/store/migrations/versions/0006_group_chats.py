"""group chats: the once-per-group note, and no dialogue kept in a group

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_chat_notice",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("noted_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_chat_notice")),
    )
    # Dialogues kept in group chats before frivillig refused them (negative chat ids are groups,
    # supergroups and channels): one member's place, shared by every member. Gone for good.
    op.execute(sa.text("DELETE FROM dialogue_state WHERE chat_id < 0"))
    op.execute(
        sa.text(
            "UPDATE outbox_message SET status = 'failed', last_error = 'not a private chat' "
            "WHERE chat_id < 0 AND status IN ('pending', 'sending')"
        )
    )


def downgrade() -> None:
    op.drop_table("group_chat_notice")
