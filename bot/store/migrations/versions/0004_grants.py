"""grants: applications (drafts included) and reference counters

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("grants",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grant_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("municipality_slug", sa.String(length=32), nullable=False),
        sa.Column("round_key", sa.String(length=40), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("current_field", sa.String(length=60), nullable=True),
        sa.Column("association_key", sa.String(length=160), nullable=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("amount_applied", sa.BigInteger(), nullable=True),
        sa.Column("amount_granted", sa.BigInteger(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("report_due", sa.Date(), nullable=True),
        sa.Column("created_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", bot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", bot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_at", bot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_slug"],
            ["municipality.slug"],
            name=op.f("fk_grant_application_municipality_slug_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_grant_application_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_application")),
        sa.UniqueConstraint(
            "municipality_slug",
            "round_key",
            "association_key",
            name=op.f("uq_grant_application_municipality_slug"),
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_grant_application_reference")),
    )
    with op.batch_alter_table("grant_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_application_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_grant_application_review",
            ["municipality_slug", "round_key", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_grant_application_open_draft",
            ["user_id", "municipality_slug", "round_key"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )

    op.create_table(
        "grant_reference_counter",
        sa.Column("municipality_slug", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "municipality_slug", "year", name=op.f("pk_grant_reference_counter")
        ),
    )


def downgrade() -> None:
    op.drop_table("grant_reference_counter")
    with op.batch_alter_table("grant_application", schema=None) as batch_op:
        batch_op.drop_index("ix_grant_application_open_draft")
        batch_op.drop_index("ix_grant_application_review")
        batch_op.drop_index(batch_op.f("ix_grant_application_user_id"))
    op.drop_table("grant_application")
