"""inbox: index of items by author, for an item's author's earlier items (the TUI's inbox)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbox_author", "inbox_items", ["platform", "author_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_author", table_name="inbox_items")
