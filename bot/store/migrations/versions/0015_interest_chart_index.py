"""interests counted per opportunity and time from an index, for the dashboard's charts

Revision ID: 0015
Revises: 0013 (depends on 0002, matching)
Create Date: 2026-11-29 21:08:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002",)  # the interest table is matching's


def upgrade() -> None:
    op.create_index(
        "ix_opportunity_interest_created",
        "opportunity_interest",
        ["opportunity_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_opportunity_interest_created", table_name="opportunity_interest")
