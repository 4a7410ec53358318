"""monitoring: proposed public replies waiting for a person allowed to reply on the account

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import smtool.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("checker_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_at", smtool.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["inbox_items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reply_proposals_item", "reply_proposals", ["item_id", "id"], unique=False)
    op.create_index("ix_reply_proposals_state", "reply_proposals", ["state", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reply_proposals_state", table_name="reply_proposals")
    op.drop_index("ix_reply_proposals_item", table_name="reply_proposals")
    op.drop_table("reply_proposals")
