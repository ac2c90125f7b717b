"""staff dashboard: audit log of staff decisions, one-time login links

Revision ID: 0008
Revises: 0014
Create Date: 2026-11-29 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("municipality_slug", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index("ix_audit_entry_subject", "audit_entry", ["subject_kind", "subject_id"])
    op.create_index(op.f("ix_audit_entry_actor_telegram_id"), "audit_entry", ["actor_telegram_id"])
    op.create_index(op.f("ix_audit_entry_municipality_slug"), "audit_entry", ["municipality_slug"])
    op.create_table(
        "web_login_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_login_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_login_link_token_hash")),
    )
    op.create_index(op.f("ix_web_login_link_telegram_id"), "web_login_link", ["telegram_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_login_link_telegram_id"), table_name="web_login_link")
    op.drop_table("web_login_link")
    op.drop_index(op.f("ix_audit_entry_municipality_slug"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_actor_telegram_id"), table_name="audit_entry")
    op.drop_index("ix_audit_entry_subject", table_name="audit_entry")
    op.drop_table("audit_entry")
