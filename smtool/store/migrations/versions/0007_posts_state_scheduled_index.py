"""posts: index by (state, scheduled_at), for the calendar's posts awaiting approval

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_posts_state_scheduled", "posts", ["state", "scheduled_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_posts_state_scheduled", table_name="posts")
