"""publishing: each publication's seal, signed with the installation's key at approval

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Existing publications get no seal here (a migration holds no key); `smtool db upgrade` seals the
ones still waiting to go out right after it, in one audited step (services.installation.setup).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smtool.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publication_seals",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("seal", sa.Text(), nullable=False),
        sa.Column("sealed_at", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("publication_id"),
    )


def downgrade() -> None:
    op.drop_table("publication_seals")
