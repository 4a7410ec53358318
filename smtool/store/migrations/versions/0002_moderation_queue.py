"""moderation queue: ingest cursors, moderation actions, queue indexes, full-text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import smtool.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE inbox_fts USING fts5(text, author_name, author_handle, "
    "content='inbox_items', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER inbox_fts_ai AFTER INSERT ON inbox_items BEGIN "
    "INSERT INTO inbox_fts(rowid, text, author_name, author_handle) "
    "VALUES (new.id, new.text, new.author_name, new.author_handle); END",
    "CREATE TRIGGER inbox_fts_ad AFTER DELETE ON inbox_items BEGIN "
    "INSERT INTO inbox_fts(inbox_fts, rowid, text, author_name, author_handle) "
    "VALUES ('delete', old.id, old.text, old.author_name, old.author_handle); END",
    # Only a change of the searched columns touches the index; state changes do not.
    "CREATE TRIGGER inbox_fts_au AFTER UPDATE OF text, author_name, author_handle ON inbox_items BEGIN "
    "INSERT INTO inbox_fts(inbox_fts, rowid, text, author_name, author_handle) "
    "VALUES ('delete', old.id, old.text, old.author_name, old.author_handle); "
    "INSERT INTO inbox_fts(rowid, text, author_name, author_handle) "
    "VALUES (new.id, new.text, new.author_name, new.author_handle); END",
    "INSERT INTO inbox_fts(inbox_fts) VALUES ('rebuild')",
]
_PG_FTS = "CREATE INDEX ix_inbox_items_fts ON inbox_items USING gin (to_tsvector('simple', text))"


def upgrade() -> None:
    op.create_table(
        "ingest_cursors",
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("polled_at", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "stream"),
    )
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", smtool.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["inbox_items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_moderation_actions_item", "moderation_actions", ["item_id", "id"], unique=False)

    # Plain ALTER TABLE ADD COLUMN (no batch rebuild), so the FTS triggers below are not lost.
    op.add_column(
        "inbox_items", sa.Column("escaped", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "inbox_items",
        sa.Column("response_due_at", smtool.store.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inbox_state_priority_id", "inbox_items", ["state", "priority", "id"], unique=False)
    op.create_index(
        "ix_inbox_team_state_priority_id", "inbox_items", ["team", "state", "priority", "id"], unique=False
    )
    op.create_index("ix_inbox_assigned_state", "inbox_items", ["assigned_to", "state"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(_PG_FTS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("inbox_fts_ai", "inbox_fts_ad", "inbox_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS inbox_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_inbox_items_fts")
    op.drop_index("ix_inbox_assigned_state", table_name="inbox_items")
    op.drop_index("ix_inbox_team_state_priority_id", table_name="inbox_items")
    op.drop_index("ix_inbox_state_priority_id", table_name="inbox_items")
    with op.batch_alter_table("inbox_items") as batch_op:
        batch_op.drop_column("response_due_at")
        batch_op.drop_column("escaped")
    op.drop_index("ix_moderation_actions_item", table_name="moderation_actions")
    op.drop_table("moderation_actions")
    op.drop_table("ingest_cursors")
