"""Full-text search over inbox items: SQLite FTS5 or a PostgreSQL tsvector GIN index.

Migration 0002 creates these objects; SQLAlchemy's metadata does not know them, so the schema
comparison (`include_object`) leaves them out. Both use no stemming ("simple" / unicode61), which
suits Latvian, English and Russian alike; SQLite also folds diacritics (ā = a).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, text

FTS_TABLE = "inbox_fts"
PG_INDEX = "ix_inbox_items_fts"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: skip the FTS5 table (and its shadow tables) and the tsvector index."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)


_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    """The search words of a query; everything else (operators, quotes, markup) is dropped."""
    return _WORD.findall(query)


def match_condition(dialect: str, query: str) -> ColumnElement[bool]:
    """A WHERE condition for inbox items whose text has every word of `query` (as a prefix:
    "pieteik" finds "pieteikums"); the author's name and handle count too on SQLite."""
    terms = words(query)
    if dialect == "sqlite":
        expression = " ".join(f'"{t}"*' for t in terms)
        condition = text(
            "inbox_items.id IN (SELECT rowid FROM inbox_fts WHERE inbox_fts MATCH :fts)"
        ).bindparams(fts=expression)
        return condition  # type: ignore[return-value]
    expression = " & ".join(f"{t.lower()}:*" for t in terms)
    # A sub-select on the GIN index: the planner fetches the matching ids first instead of computing
    # a tsvector for every row of a state's index range.
    condition = text(
        "inbox_items.id IN (SELECT f.id FROM inbox_items f "
        "WHERE to_tsvector('simple', f.text) @@ to_tsquery('simple', :fts))"
    ).bindparams(fts=expression)
    return condition  # type: ignore[return-value]
