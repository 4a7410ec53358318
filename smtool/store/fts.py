"""Full-text search over inbox items: SQLite FTS5 or a PostgreSQL tsvector GIN index.

Migration 0002 creates these objects (0014 lets ingest index a page at once: `deferred_index`);
SQLAlchemy's metadata does not know them, so the schema comparison (`include_object`) leaves them
out. Both use no stemming ("simple" / unicode61), which
suits Latvian, English and Russian alike; SQLite also folds diacritics (ā = a).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, text

# A type only: the queue's pages are read on a plain connection, without the ORM.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FTS_TABLE = "inbox_fts"
PG_INDEX = "ix_inbox_items_fts"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: skip the FTS5 table (and its shadow tables) and the tsvector index."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)


_WORD = re.compile(r"\w+", re.UNICODE)


@contextmanager
def deferred_index(session: Session) -> Iterator[None]:
    """Inside a write transaction: the inbox items inserted in the block are indexed at its end in
    one statement, not row by row by the insert trigger (SQLite; migration 0014). PostgreSQL's GIN
    index needs nothing.

    The marker row lives only inside the caller's transaction (SQLite has one writer at a time, so no
    other insert sees it) and is deleted again before the block ends; the rows indexed are those
    with an id above the largest before the block, i.e. the block's own.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("SELECT coalesce(max(id), 0) FROM inbox_items")).scalar_one()
    session.execute(text("INSERT INTO inbox_fts_deferred (since_id) VALUES (:before)"), {"before": before})
    yield
    session.execute(
        text(
            "INSERT INTO inbox_fts(rowid, text, author_name, author_handle) "
            "SELECT id, text, author_name, author_handle FROM inbox_items WHERE id > :before"
        ),
        {"before": before},
    )
    session.execute(text("DELETE FROM inbox_fts_deferred"))


def words(query: str) -> list[str]:
    """The search words of a query; everything else (operators, quotes, markup) is dropped."""
    return _WORD.findall(query)


# The indexed document on PostgreSQL (migration 0006 creates the GIN index on exactly this).
PG_DOCUMENT = (
    "to_tsvector('simple', text || ' ' || coalesce(author_name, '') || ' ' || coalesce(author_handle, ''))"
)
# The same document, written so that PostgreSQL cannot use the GIN index for it: see pg_matching_among.
_PG_DOCUMENT_UNINDEXED = PG_DOCUMENT.replace("text ||", "(text || '') ||", 1)


def _expression(dialect: str, query: str) -> str:
    terms = words(query)
    if dialect == "sqlite":
        return " ".join(f'"{t}"*' for t in terms)
    return " & ".join(f"{t.lower()}:*" for t in terms)


def matching_ids(session: Session | Connection, query: str, cap: int) -> list[int] | None:
    """The ids of every item whose text or author has every word of `query` (each as a prefix:
    "pieteik" finds "pieteikums"), or None when more than `cap` items match.

    Why two ways to search: neither database estimates how many items a prefix query matches, so a
    single query picks the wrong plan for rare words (walking a million rows) or for common ones
    (collecting every match before taking the first page). A capped index probe tells which case it is.
    """
    dialect = (session if isinstance(session, Connection) else session.get_bind()).dialect.name
    if dialect == "sqlite":
        probe = "SELECT rowid FROM inbox_fts WHERE inbox_fts MATCH :fts LIMIT :cap"
    else:
        probe = f"SELECT id FROM inbox_items WHERE {PG_DOCUMENT} @@ to_tsquery('simple', :fts) LIMIT :cap"  # noqa: S608 (constants)
    rows = session.execute(text(probe), {"fts": _expression(dialect, query), "cap": cap + 1}).all()
    if len(rows) > cap:
        return None
    return [int(row[0]) for row in rows]


def sqlite_condition(query: str) -> ColumnElement[bool]:
    """SQLite, common words: FTS5 lists every match once per statement, faster than any walk."""
    condition = text("inbox_items.id IN (SELECT rowid FROM inbox_fts WHERE inbox_fts MATCH :fts)")
    return condition.bindparams(fts=_expression("sqlite", query))  # type: ignore[return-value]


def pg_condition(query: str) -> ColumnElement[bool]:
    """PostgreSQL: the GIN index's own condition; its cost grows with the number of matches."""
    condition = text(f"{PG_DOCUMENT} @@ to_tsquery('simple', :fts)")
    return condition.bindparams(fts=_expression("postgresql", query))  # type: ignore[return-value]


def pg_matching_among(session: Session | Connection, ids: list[int], query: str) -> set[int]:
    """PostgreSQL, common words: which of `ids` (a chunk of a walk along the queue's own order) match.
    A page of matches is found after a few chunks; collecting every match first would take longer."""
    if not ids:
        return set()
    # The unindexed spelling keeps the planner from scanning the whole GIN index for each chunk.
    statement = (
        f"SELECT id FROM inbox_items WHERE id = ANY(:ids) AND {_PG_DOCUMENT_UNINDEXED} "  # noqa: S608
        "@@ to_tsquery('simple', :fts)"
    )
    rows = session.execute(text(statement), {"ids": ids, "fts": _expression("postgresql", query)})
    return {int(row[0]) for row in rows}
