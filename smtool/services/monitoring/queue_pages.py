"""The queue's pages: one ordered index walk per state, with full-text search that stays fast for
rare and common words alike (smtool.store.fts explains why there are several ways to search); and
the reads of citizens' items themselves (`list_items`, `show_item`, `surroundings`).

Those reads ask nobody's role: `monitoring.reading` checks who reads and audits it, and an import
contract keeps the interfaces (cli, tui, worker) from importing this module, so every person's read
goes through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Cast, Connection, Row, String, and_, func, or_, select

from smtool.domain.inbox_states import ALL_STATES, FLAGS, OPEN_STATES
from smtool.domain.working_time import response_times
from smtool.errors import NotFound, UsageError
from smtool.i18n import _
from smtool.services.context import Context, working_time
from smtool.services.monitoring.routing import require_team
from smtool.services.monitoring.views import (
    InboxItemDetail,
    InboxItemView,
    ReplyView,
    item_view,
    proposal_view,
)
from smtool.store.fts import matching_ids, pg_condition, pg_matching_among, sqlite_condition, words
from smtool.store.read_tables import inbox_items

# The queue's pages are read through the Core table (store.read_tables): `inbox list` then imports
# neither sqlmodel nor the ORM's table classes, most of its start-up otherwise (issue 21, item 6).
# An item in full (`show_item`, `surroundings`) is read through the ORM, imported there.
if TYPE_CHECKING:
    from sqlmodel import Session

    from smtool.store.tables import InboxItem

# A row of the Core table: an inbox item's columns as attributes, as item_view reads them.
ItemRow = Row[Any]

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
        query = query.where(inbox_items.c.team == where.team)
    if where.flag is not None:
        query = query.where(Cast(inbox_items.c.flags, String).like(f'%"{where.flag}"%'))
    if where.after is not None:
        priority, item_id = where.after
        query = query.where(
            or_(
                inbox_items.c.priority < priority,
                and_(inbox_items.c.priority == priority, inbox_items.c.id < item_id),
            )
        )
    return query.order_by(inbox_items.c.priority.desc(), inbox_items.c.id.desc()).limit(limit)


def state_rows(connection: Connection, state: str, where: PageFilter, wanted: int) -> list[ItemRow]:
    """Up to `wanted` items of one state in queue order, along the (state, priority, id) index."""
    query = select(inbox_items).where(inbox_items.c.state == state)
    return list(connection.execute(_narrowed(query, where, wanted)).all())


def common_search_rows(
    connection: Connection, states: Sequence[str], where: PageFilter, wanted: int, search: str
) -> list[ItemRow]:
    """Up to `wanted` items of `states` matching words common enough that the probe gave up.

    PostgreSQL walks each state's index testing chunks (the GIN index would collect every match).
    SQLite's FTS5 lists every match once per statement at a cost that grows with the matches (40 ms
    for 175,000 of a million items), so all states go in one statement: one list, then the state
    index checked against it and the first page sorted out (60 ms, against 180 ms for three states
    one by one).
    """
    if connection.dialect.name == "postgresql":
        return [row for state in states for row in _walk_matching(connection, state, where, wanted, search)]
    query = select(inbox_items).where(inbox_items.c.state.in_(states), sqlite_condition(search))
    return list(connection.execute(_narrowed(query, where, wanted)).all())


def matched_rows(
    connection: Connection, states: Sequence[str], where: PageFilter, wanted: int, matches: list[int]
) -> list[ItemRow]:
    """Up to `wanted` of the items `matches` names (a rare search's every match) in queue order."""
    # coalesce() hides the state from the planner, which otherwise walks a whole state's index range
    # testing each id against the list instead of looking the few ids up.
    query = select(inbox_items).where(
        inbox_items.c.id.in_(matches), func.coalesce(inbox_items.c.state, "").in_(states)
    )
    return list(connection.execute(_narrowed(query, where, wanted)).all())


def _walk_matching(
    connection: Connection, state: str, where: PageFilter, wanted: int, search: str
) -> list[ItemRow]:
    found: list[int] = []
    walk = where
    for _chunk in range(WALK_CHUNKS):  # not `_`, the translator
        keys = connection.execute(
            _narrowed(
                select(inbox_items.c.priority, inbox_items.c.id).where(inbox_items.c.state == state),
                walk,
                WALK_CHUNK,
            )
        ).all()
        ids = [int(item_id) for _, item_id in keys]
        hits = pg_matching_among(connection, ids, search)
        found.extend(item_id for item_id in ids if item_id in hits)
        if len(found) >= wanted or len(keys) < WALK_CHUNK:
            break
        walk = PageFilter(where.team, where.flag, (int(keys[-1][0]), ids[-1]))
    else:
        rest = select(inbox_items).where(inbox_items.c.state == state, pg_condition(search))
        rows = list(connection.execute(_narrowed(rest, walk, wanted - len(found))).all())
        return _by_id(connection, found) + rows
    return _by_id(connection, found[:wanted])


def _by_id(connection: Connection, ids: list[int]) -> list[ItemRow]:
    if not ids:
        return []
    return list(connection.execute(select(inbox_items).where(inbox_items.c.id.in_(ids))).all())


# --- reading, for monitoring.reading only (it checks and audits who reads) ---------------------


@dataclass(frozen=True)
class Page:
    items: list[InboxItemView]
    next_cursor: str | None


def _parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    try:
        priority, item_id = (int(part) for part in cursor.split(":"))
    except ValueError:
        raise UsageError(
            _("{cursor} is not a page cursor; use the next_cursor a list printed").format(cursor=repr(cursor))
        ) from None
    return priority, item_id


def list_items(
    ctx: Context,
    *,
    state: str | None = None,
    team: str | None = None,
    flag: str | None = None,
    search: str | None = None,
    limit: int = 50,
    include_closed: bool = False,
    after: str | None = None,
) -> Page:
    """One page of the queue, most urgent first (priority, then newest), with a keyset cursor.

    Without `state`, open items (new, assigned, answered); with `include_closed`, every item.
    Raises UsageError for an unknown state, flag or team, a bad cursor or a limit below 1.
    """
    if limit < 1:
        raise UsageError(_("--limit must be at least 1"))
    if state is not None and state not in ALL_STATES:
        raise UsageError(
            _("unknown state {value}; states: {choices}").format(
                value=repr(state), choices=", ".join(ALL_STATES)
            )
        )
    if flag is not None and flag not in FLAGS:
        raise UsageError(
            _("unknown flag {value}; flags: {choices}").format(value=repr(flag), choices=", ".join(FLAGS))
        )
    require_team(ctx.settings, team)
    if search is not None and not words(search):
        raise UsageError(_("--search needs at least one word"))
    states = [state] if state else list(ALL_STATES if include_closed else OPEN_STATES)
    position = _parse_cursor(after)
    rows: list[ItemRow] = []
    with ctx.db.reader.connect() as connection, connection.begin():
        matches = matching_ids(connection, search, SEARCH_PROBE) if search is not None else None
        if matches == []:
            return Page([], None)
        # One index range per state (state, priority, id), merged here: each stays an index walk.
        where = PageFilter(team, flag, position)
        if matches is not None:
            rows.extend(matched_rows(connection, states, where, limit + 1, matches))
        elif search is not None:
            rows.extend(common_search_rows(connection, states, where, limit + 1, search))
        else:
            for one_state in states:
                rows.extend(state_rows(connection, one_state, where, limit + 1))
    rows.sort(key=lambda r: (r.priority, r.id or 0), reverse=True)
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = f"{page[-1].priority}:{page[-1].id}" if more and page else None
    return Page([item_view(r) for r in page], next_cursor)


def show_item(ctx: Context, item_id: int) -> InboxItemDetail:
    """One item with its actions, replies and response times. Raises NotFound."""
    from sqlmodel import col, select

    from smtool.store.tables import ModerationAction, Publication, ReplyProposal

    with ctx.db.read() as session:
        item = load_item(session, item_id)
        actions = [
            {"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "reason": a.reason, **a.detail}
            for a in session.exec(
                select(ModerationAction)
                .where(ModerationAction.item_id == item_id)
                .order_by(col(ModerationAction.id))
            ).all()
        ]
        replies = [
            ReplyView(publication=p.id or 0, state=p.state, text=p.text, remote_id=p.remote_id)
            for p in session.exec(
                select(Publication)
                .where(Publication.reply_to_item_id == item_id)
                .order_by(col(Publication.id))
            ).all()
        ]
        proposals = [
            proposal_view(p)
            for p in session.exec(
                select(ReplyProposal).where(ReplyProposal.item_id == item_id).order_by(col(ReplyProposal.id))
            ).all()
        ]
    times = response_times(
        working_time(ctx.settings),
        (ctx.settings.inbox.target_first_response_minutes, ctx.settings.inbox.target_resolution_minutes),
        item.created_at,
        item.first_response_at,
        item.resolved_at,
        ctx.clock(),
    )
    return InboxItemDetail(
        **item_view(item),
        raw=item.raw,
        actions=actions,
        replies=replies,
        response_times=times.to_dict(),
        proposals=proposals,
    )


# --- an item's surroundings (the TUI's item view) ---------------------------------------------------


@dataclass(frozen=True)
class Surroundings:
    thread: list[InboxItemView]  # the conversation the item belongs to, oldest first
    earlier: list[InboxItemView]  # the same author's earlier items, newest first


def surroundings(ctx: Context, item_id: int, limit: int = 20) -> Surroundings:
    """The item's thread (other items of its conversation, and the item it answers) and its author's
    earlier items; at most `limit` of each, each one index range. Raises NotFound."""
    from sqlmodel import col, select

    from smtool.store.tables import InboxItem

    with ctx.db.read() as session:
        item = load_item(session, item_id)
        thread: list[InboxItem] = []
        keys = {k for k in (item.thread_remote_id, item.parent_remote_id) if k}
        if keys:
            thread = list(
                session.exec(
                    select(InboxItem)
                    .where(
                        InboxItem.platform == item.platform,
                        or_(
                            col(InboxItem.thread_remote_id).in_(keys),
                            col(InboxItem.remote_id).in_(keys),
                        ),
                        InboxItem.id != item_id,
                    )
                    .order_by(col(InboxItem.id).desc())
                    .limit(limit)
                ).all()
            )
        earlier: list[InboxItem] = []
        if item.author_id:
            earlier = list(
                session.exec(
                    select(InboxItem)
                    .where(
                        InboxItem.platform == item.platform,
                        InboxItem.author_id == item.author_id,
                        col(InboxItem.id) < item_id,
                    )
                    .order_by(col(InboxItem.id).desc())
                    .limit(limit)
                ).all()
            )
    return Surroundings([item_view(r) for r in reversed(thread)], [item_view(r) for r in earlier])


def load_item(session: Session, item_id: int) -> InboxItem:
    """The item; raises NotFound."""
    from smtool.store.tables import InboxItem

    item = session.get(InboxItem, item_id)
    if item is None:
        raise NotFound(_("no inbox item {item}; see `smtool inbox list`").format(item=item_id))
    return item
