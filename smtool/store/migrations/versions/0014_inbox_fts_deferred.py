"""SQLite: ingest indexes a page of new inbox items in one statement; the insert trigger stands aside
while a write transaction says it will

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Indexing row by row from the trigger cost about 110 us an item, most of an ingest insert; one
# INSERT ... SELECT after the page costs 10-20 us an item. A row in inbox_fts_deferred exists only
# inside the write transaction that indexes its own rows (smtool.store.fts.deferred_index), so every
# other insert, by smtool or anyone else, is still indexed by the trigger.
_TRIGGER = (
    "CREATE TRIGGER inbox_fts_ai AFTER INSERT ON inbox_items "
    "{when}BEGIN "
    "INSERT INTO inbox_fts(rowid, text, author_name, author_handle) "
    "VALUES (new.id, new.text, new.author_name, new.author_handle); END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE inbox_fts_deferred (since_id INTEGER NOT NULL)")
    op.execute("DROP TRIGGER IF EXISTS inbox_fts_ai")
    op.execute(_TRIGGER.format(when="WHEN NOT EXISTS (SELECT 1 FROM inbox_fts_deferred) "))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS inbox_fts_ai")
    op.execute(_TRIGGER.format(when=""))
    op.execute("DROP TABLE IF EXISTS inbox_fts_deferred")
