"""inbox search on PostgreSQL covers the author's name and handle, as FTS5 does on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expression as smtool.store.fts.PG_DOCUMENT: a query uses the index only when they are equal.
_DOCUMENT = (
    "to_tsvector('simple', text || ' ' || coalesce(author_name, '') || ' ' || coalesce(author_handle, ''))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_inbox_items_fts")
        op.execute(f"CREATE INDEX ix_inbox_items_fts ON inbox_items USING gin ({_DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_inbox_items_fts")
        op.execute("CREATE INDEX ix_inbox_items_fts ON inbox_items USING gin (to_tsvector('simple', text))")
