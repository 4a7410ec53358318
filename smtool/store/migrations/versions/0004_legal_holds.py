"""records: legal holds that keep records from retention purges

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import smtool.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("placed_at", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lifted_at", smtool.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_legal_holds_scope_subject", "legal_holds", ["scope", "subject_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_legal_holds_scope_subject", table_name="legal_holds")
    op.drop_table("legal_holds")
