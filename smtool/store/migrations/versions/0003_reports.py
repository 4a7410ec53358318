"""reports: scheduled report runs, covering publication-time index for reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import smtool.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_runs",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("period_start", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("claimed_at", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("finished_at", smtool.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", "period_start"),
    )
    op.create_index(
        "ix_publications_report",
        "publications",
        ["published_at", "state", "reply_to_item_id", "account_id", "post_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_publications_report", table_name="publications")
    op.drop_table("report_runs")
