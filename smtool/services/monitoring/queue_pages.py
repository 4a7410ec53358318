"""The queue's pages: one ordered index walk per state, with full-text search that stays fast for
rare and common words alike (smtool.store.fts explains why there are several ways to search)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Cast, String, and_, func, or_
from sqlmodel import Session, col, select

from smtool.store.fts import pg_condition, pg_matching_among, sqlite_condition
from smtool.store.tables import InboxItem

# Searches matching at most this many items fetch exactly those; commoner words are searched along
# the queue's order.
SEARCH_PROBE = 2000
# PostgreSQL walks at most WALK_CHUNKS chunks of WALK_CHUNK items testing each; when the words are
# too rare in this state for that, the GIN index lists the rest (a cost that grows with the matches).
WALK_CHUNK = 500
WALK_CHUNKS = 4


@dataclass(frozen=True)
class PageFilter:
    """What narrows the queue: team, flag and the keyset position."""

    team: str | None = None
    flag: str | None = None
    after: tuple[int, int] | None = None  # (priority, id) of the last item already shown


def _narrowed(query: Any, where: PageFilter, limit: int) -> Any:
    if where.team is not None:
        query = query.where(InboxItem.team == where.team)
    if where.flag is not None:
        query = query.where(Cast(col(InboxItem.flags), String).like(f'%"{where.flag}"%'))
    if where.after is not None:
        priority, item_id = where.after
        query = query.where(
            or_(
                col(InboxItem.priority) < priority,
                and_(col(InboxItem.priority) == priority, col(InboxItem.id) < item_id),
            )
        )
    return query.order_by(col(InboxItem.priority).desc(), col(InboxItem.id).desc()).limit(limit)


def state_rows(session: Session, state: str, where: PageFilter, wanted: int) -> list[InboxItem]:
    """Up to `wanted` items of one state in queue order, along the (state, priority, id) index."""
    query = select(InboxItem).where(InboxItem.state == state)
    return list(session.exec(_narrowed(query, where, wanted)).all())


def common_search_rows(
    session: Session, states: Sequence[str], where: PageFilter, wanted: int, search: str
) -> list[InboxItem]:
    """Up to `wanted` items of `states` matching words common enough that the probe gave up.

    PostgreSQL walks each state's index testing chunks (the GIN index would collect every match).
    SQLite's FTS5 lists every match once per statement at a cost that grows with the matches (40 ms
    for 175,000 of a million items), so all states go in one statement: one list, then the state
    index checked against it and the first page sorted out (60 ms, against 180 ms for three states
    one by one).
    """
    if session.get_bind().dialect.name == "postgresql":
        return [row for state in states for row in _walk_matching(session, state, where, wanted, search)]
    query = select(InboxItem).where(col(InboxItem.state).in_(states), sqlite_condition(search))
    return list(session.exec(_narrowed(query, where, wanted)).all())


def matched_rows(
    session: Session, states: Sequence[str], where: PageFilter, wanted: int, matches: list[int]
) -> list[InboxItem]:
    """Up to `wanted` of the items `matches` names (a rare search's every match) in queue order."""
    # coalesce() hides the state from the planner, which otherwise walks a whole state's index range
    # testing each id against the list instead of looking the few ids up.
    query = select(InboxItem).where(
        col(InboxItem.id).in_(matches), func.coalesce(InboxItem.state, "").in_(states)
    )
    return list(session.exec(_narrowed(query, where, wanted)).all())


def _walk_matching(
    session: Session, state: str, where: PageFilter, wanted: int, search: str
) -> list[InboxItem]:
    found: list[int] = []
    walk = where
    for _ in range(WALK_CHUNKS):
        keys = session.exec(
            _narrowed(
                select(InboxItem.priority, InboxItem.id).where(InboxItem.state == state), walk, WALK_CHUNK
            )
        ).all()
        ids = [int(item_id) for _, item_id in keys]
        hits = pg_matching_among(session, ids, search)
        found.extend(item_id for item_id in ids if item_id in hits)
        if len(found) >= wanted or len(keys) < WALK_CHUNK:
            break
        walk = PageFilter(where.team, where.flag, (int(keys[-1][0]), ids[-1]))
    else:
        rest = select(InboxItem).where(InboxItem.state == state, pg_condition(search))
        rows = list(session.exec(_narrowed(rest, walk, wanted - len(found))).all())
        return _by_id(session, found) + rows
    return _by_id(session, found[:wanted])


def _by_id(session: Session, ids: list[int]) -> list[InboxItem]:
    if not ids:
        return []
    return list(session.exec(select(InboxItem).where(col(InboxItem.id).in_(ids))).all())
