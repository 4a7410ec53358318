"""Monitoring ingest: bring comments and mentions from every account into the moderation queue.

Each account's streams (its incoming comments and mentions, keyword searches on X, its own timeline
for takeover alerts) are polled with a stored cursor. The platform call happens outside any
transaction; the items it returned and the new cursor are then written in one transaction, so a
crash before the commit re-reads the same items (the upsert by platform and remote id ignores what
is already stored) and a crash after it never re-reads them: nothing is fetched into the queue twice
and nothing is missed across restarts.

Every new item is triaged by the checker's incoming rules (question, personal data, abuse, spam) into
flags and a priority, routed to a team, and given a first-response target in working hours.

Citizens' text is stored exactly as the platform sent it. PostgreSQL text cannot hold NUL, so on
both databases an item whose text, name or handle contains NUL is stored with backslash and NUL
escaped (`escape_nul`) and `escaped` set; `unescape_nul` gives back the exact text. In the raw JSON
payload (secondary, for diagnosis) a NUL becomes U+FFFD.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    IncomingItem,
    OwnPost,
    RateLimited,
    paged_incoming,
    searcher,
)
from smtool.domain.inbox_states import PRIORITY_ALERT, PRIORITY_NORMAL, PRIORITY_QUESTION, PRIORITY_URGENT
from smtool.domain.text import collapse_spaces
from smtool.errors import SmtoolError
from smtool.services.context import Context, working_time
from smtool.services.monitoring import prefetch, takeover
from smtool.services.monitoring.routing import Router
from smtool.services.platforms import ConnectorCache, ConnectorFactory, connector_for
from smtool.services.records import audit
from smtool.services.text import escape_nul
from smtool.store import fts
from smtool.store.tables import Account, InboxItem, IngestCursor, Publication

if TYPE_CHECKING:
    # The checker (and its policy packs) loads when a poll brings something to triage: a worker
    # pass that finds nothing new, most of them, never needs it (a sixth of the pass's CPU).
    from smtool.services.guidelines import TriageFlags

log = logging.getLogger("smtool.ingest")

WORKER = "worker"
INCOMING = "incoming"
OWN_POSTS = "own_posts"
SEARCH_PREFIX = "search:"
BATCH = 500
# Re-read own posts this far before the watermark: platform timelines can lag a little.
OWN_POSTS_OVERLAP = timedelta(minutes=10)


class _OwnPostsCursor(TypedDict):
    """The own-posts stream's cursor (stored as JSON): where the next look starts, and the ids of
    posts that were there before smtool watched and may still be re-read."""

    watermark: str
    baseline: list[str]


@dataclass(frozen=True)
class StoredCursor:
    """What a stream's cursor row holds that decides a poll's write: where the stream stands and
    whether its last poll failed (an error to clear)."""

    cursor: str | None
    last_error: str | None


def _unchanged(
    stored: StoredCursor | None, cursor: str | None, items: Sequence[object], new_cursor: str | None
) -> bool:
    """Whether a poll found nothing to write: no items, the cursor where it was, and a row that
    exists with no error to clear. Such a poll writes nothing (most polls of a quiet account: a
    write transaction per stream per pass would cost the worker far more than the poll itself)."""
    return stored is not None and stored.last_error is None and not items and new_cursor == cursor


def _raw_payload(value: Any) -> Any:
    """The raw payload as stored: unchanged unless some string in it holds NUL (the C encoder
    answers that faster than walking the payload in Python; most payloads have none)."""
    if "\\u0000" not in json.dumps(value):
        return value
    return _clean_json(value)


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_clean_json(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def triage_flags(settings: Any, text: str) -> tuple[list[str], int]:
    """Flags (question, personal_data, abuse, spam) and a priority for incoming text. Never raises
    for any text; raises PolicyError only for a broken policy pack."""
    from smtool.services.guidelines import triage_text  # see TYPE_CHECKING above

    return _flags_and_priority(triage_text(text, settings=settings).flags)


@cache
def _flag_names() -> tuple[str, ...]:
    """TriageFlags' fields in their declared order (the order stored items list their flags in)."""
    from smtool.services.guidelines import TriageFlags  # see TYPE_CHECKING above

    return tuple(f.name for f in fields(TriageFlags))


def _flags_and_priority(triage: TriageFlags) -> tuple[list[str], int]:
    flags = [name for name in _flag_names() if getattr(triage, name)]
    if "abuse" in flags or "personal_data" in flags:
        return flags, PRIORITY_URGENT
    if "question" in flags and "spam" not in flags:
        return flags, PRIORITY_QUESTION
    return flags, PRIORITY_NORMAL


class Ingestor:
    """Polls accounts and fills the queue; one instance per worker process."""

    def __init__(self, ctx: Context, factory: ConnectorFactory = connector_for) -> None:
        self.ctx = ctx
        self.factory = factory
        self.router = Router.from_settings(ctx.settings)
        self.calendar = working_time(ctx.settings)
        self._connectors: dict[str, Connector] = {}
        self._due: dict[datetime, datetime] = {}
        # Every stream's cursor, read at once at the start of `poll_all` (one read instead of one
        # per stream); None outside it, when each poll reads its own row.
        self._cursors: dict[tuple[str, str], StoredCursor] | None = None

    def connector(self, account: Account) -> Connector:
        if account.id not in self._connectors:
            self._connectors[account.id] = self.factory(self.ctx, account)
        return self._connectors[account.id]

    @property
    def api_calls(self) -> int:
        """HTTP requests the connectors of this ingestor have sent (where a connector counts them)."""
        return sum(int(getattr(c, "api_calls", 0)) for c in self._connectors.values())

    # --- polling --------------------------------------------------------------------------------

    def poll_all(self) -> Counter[str]:
        """One poll of every active account with a usable token; returns counts per outcome."""
        now = self.ctx.clock()
        with self.ctx.db.read() as session:
            accounts = session.exec(
                select(Account).where(col(Account.active).is_(True)).order_by(col(Account.id))
            ).all()
            rows = session.exec(
                select(
                    IngestCursor.account_id, IngestCursor.stream, IngestCursor.cursor, IngestCursor.last_error
                )
            ).all()
        # A cursor another worker moves meanwhile is no harm: storing compares and sets.
        self._cursors = {(a, s): StoredCursor(c, e) for a, s, c, e in rows}
        try:
            return self._poll_accounts(accounts, now)
        finally:
            self._cursors = None

    def _poll_accounts(self, accounts: Sequence[Account], now: datetime) -> Counter[str]:
        totals: Counter[str] = Counter()
        if isinstance(self.factory, ConnectorCache):  # the worker's: every token in one read
            self.factory.prepare(
                self.ctx,
                [
                    a
                    for a in accounts
                    if a.id not in self._connectors
                    and a.token_status == "ok"
                    and not (a.rate_limited_until and a.rate_limited_until > now)
                ],
            )
        searched = False
        for account in accounts:
            if account.token_status != "ok":
                totals["skipped_no_token"] += 1
                continue
            if account.rate_limited_until and account.rate_limited_until > now:
                totals["skipped_rate_limited"] += 1
                continue
            totals.update(self.poll_account(account))
            if self.ctx.settings.inbox.takeover_alerts:
                totals.update(self.check_own_posts(account))
            terms = self.ctx.settings.inbox.search_terms
            if terms and not searched and searcher(self._safe_connector(account, totals)) is not None:
                totals.update(self.search(account))
                searched = True  # one account runs the institution's searches
        totals.update(takeover.sweep(self.ctx))  # tokens the platform refused: takeover alerts
        return totals

    def _stored(self, account_id: str, stream: str) -> StoredCursor | None:
        """The stream's cursor row (None: the stream was never polled)."""
        if self._cursors is not None:
            return self._cursors.get((account_id, stream))
        with self.ctx.db.read() as session:
            row = session.get(IngestCursor, (account_id, stream))
            return StoredCursor(row.cursor, row.last_error) if row else None

    def _safe_connector(self, account: Account, totals: Counter[str]) -> Connector | None:
        try:
            return self.connector(account)
        except SmtoolError:
            totals["errors"] += 1
            return None

    def poll_account(self, account: Account) -> Counter[str]:
        """Fetch the account's new comments and mentions and store them with the new cursor."""
        return self._poll(
            account,
            INCOMING,
            lambda connector, cursor: connector.fetch_incoming(cursor),
            kind=None,
            pipelined=True,
        )

    def search(self, account: Account) -> Counter[str]:
        """Run every configured search term on this (X) account's connector."""
        totals: Counter[str] = Counter()
        for term in self.ctx.settings.inbox.search_terms:

            def fetch(connector: Connector, cursor: str | None, query: str = term) -> Any:
                search = searcher(connector)
                assert search is not None
                return search.search_recent(query, cursor)

            totals.update(self._poll(account, (SEARCH_PREFIX + term)[:200], fetch, kind="mention_elsewhere"))
        return totals

    def _poll(
        self,
        account: Account,
        stream: str,
        fetch: Callable[[Connector, str | None], tuple[list[IncomingItem], str | None]],
        kind: str | None,
        pipelined: bool = False,
    ) -> Counter[str]:
        counts: Counter[str] = Counter()
        stored = self._stored(account.id, stream)
        cursor = stored.cursor if stored else None
        prepared: dict[str, takeover.NewInboxItem] = {}
        try:
            connector = self.connector(account)
            paged = paged_incoming(connector) if pipelined else None
            try:
                if paged is None:
                    items, new_cursor = fetch(connector, cursor)
                else:
                    items, new_cursor, prepared = prefetch.prepared_while_fetching(
                        paged, cursor, lambda page: self._prepare(page, kind)
                    )
            except AuthExpired:
                if paged is None:
                    raise
                # The plain call is made once more on a token another worker refreshed meanwhile.
                prepared = {}
                items, new_cursor = fetch(connector, cursor)
        except (ConnectorError, SmtoolError) as error:
            self._record_error(account.id, stream, error)
            counts["errors"] += 1
            return counts
        counts["fetched"] += len(items)
        if _unchanged(stored, cursor, items, new_cursor):
            counts["new"] += 0  # counted as a poll that stored nothing new
        else:
            counts["new"] += self.store(
                account.id, stream, cursor, items, new_cursor, kind=kind, prepared=prepared
            )
        return counts

    def _record_error(self, account_id: str, stream: str, error: Exception) -> None:
        message = error.platform_message if isinstance(error, ConnectorError) else str(error)
        with self.ctx.db.write() as session:
            _ensure_cursor_row(session, account_id, stream, self.ctx.clock())
            session.execute(
                update(IngestCursor)
                .where(col(IngestCursor.account_id) == account_id, col(IngestCursor.stream) == stream)
                .values(polled_at=self.ctx.clock(), last_error=f"{type(error).__name__}: {message}")
            )
            account = session.get(Account, account_id)
            assert account is not None
            if isinstance(error, RateLimited):
                account.rate_limited_until = error.retry_at
                session.add(account)
            elif isinstance(error, AuthExpired):
                account.token_status = "needs_reauth"
                session.add(account)
                self._connectors.pop(account_id, None)
        log.warning("ingest %s/%s: %s", account_id, stream, message)

    # --- storing --------------------------------------------------------------------------------

    def store(
        self,
        account_id: str,
        stream: str,
        cursor_before: str | None,
        items: Sequence[IncomingItem],
        new_cursor: str | None,
        *,
        kind: str | None = None,
        prepared: Mapping[str, takeover.NewInboxItem] | None = None,
    ) -> int:
        """Upsert the items and move the stream's cursor in one transaction; returns how many were new.

        The cursor only moves if nobody moved it since `cursor_before` was read (a second worker
        polling the same account stores the same items, which the upsert ignores). `prepared` holds
        rows already made while the pages were fetched, by remote id.
        """
        ready = prepared or {}
        missing = self._prepare([item for item in items if item.remote_id not in ready], kind)
        made = iter(missing)
        # In the connector's order (oldest first), which the queue's ids keep.
        rows = [ready[item.remote_id] if item.remote_id in ready else next(made) for item in items]
        with self.ctx.db.write() as session:
            with fts.deferred_index(session):
                new = self._upsert(session, rows)
            _ensure_cursor_row(session, account_id, stream, self.ctx.clock())
            # Compare-and-set: a cursor someone else moved meanwhile is theirs to keep.
            session.execute(
                update(IngestCursor)
                .where(
                    col(IngestCursor.account_id) == account_id,
                    col(IngestCursor.stream) == stream,
                    col(IngestCursor.cursor).is_not_distinct_from(cursor_before),
                )
                .values(cursor=new_cursor)
            )
            session.execute(
                update(IngestCursor)
                .where(col(IngestCursor.account_id) == account_id, col(IngestCursor.stream) == stream)
                .values(polled_at=self.ctx.clock(), last_error=None)
            )
            if new:
                audit.append(
                    session,
                    actor=WORKER,
                    action="inbox.ingest",
                    subject_type="account",
                    subject_id=account_id,
                    payload={"stream": stream, "fetched": len(items), "new": new},
                )
        return new

    def _prepare(self, items: Sequence[IncomingItem], kind: str | None) -> list[takeover.NewInboxItem]:
        """The rows to store for a page of items, triaged and routed."""
        if not items:
            return []
        self._due.clear()  # kept for one page: the settings may change between polls
        # One triage call for the page: the engine and context are resolved once, not per item.
        from smtool.services.guidelines import triage_flags_of  # see TYPE_CHECKING above

        triaged = triage_flags_of([item.text for item in items], settings=self.ctx.settings)
        return [self._row(item, kind, _flags_and_priority(t)) for item, t in zip(items, triaged, strict=True)]

    def _row(
        self, item: IncomingItem, kind: str | None, triaged: tuple[list[str], int]
    ) -> takeover.NewInboxItem:
        flags, priority = triaged
        team = self.router.team_for(item.text, flags)
        if kind == "alert":
            # Possible account takeover or unauthorised publishing: the press office looks first.
            flags, priority, team = ["takeover", *flags], PRIORITY_ALERT, self.router.default_team
        elif not item.author_name and not item.author_handle:
            # Facebook leaves out `from`; X keeps the author's id but no longer includes the
            # user. Either way nobody can be named or answered by name.
            flags.append("deleted_author")
        fields = (item.text, item.author_name or "", item.author_handle or "")
        escaped = any("\x00" in f for f in fields)
        text, name, handle = (escape_nul(f) if escaped else f for f in fields)
        return {
            "platform": item.platform,
            "remote_id": item.remote_id,
            "account_id": item.account_id,
            "kind": kind or item.kind,
            "author_id": item.author_id or None,
            "author_name": name or None,
            "author_handle": handle or None,
            "text": text,
            "parent_remote_id": item.parent_remote_id,
            "thread_remote_id": item.thread_remote_id,
            "created_at": item.created_at,
            "fetched_at": self.ctx.clock(),
            "raw": _raw_payload(item.raw),
            "state": "new",
            "priority": priority,
            "flags": flags,
            "team": team,
            "hidden": False,
            "version": 1,
            "escaped": escaped,
            "response_due_at": self._due_at(item.created_at),
        }

    def _due_at(self, created_at: datetime) -> datetime:
        """The first-response target; items of a page share their seconds (the platforms give
        whole seconds), so each second's target is worked out once per page."""
        due = self._due.get(created_at)
        if due is None:
            due = self._due[created_at] = self.calendar.add(
                created_at, self.ctx.settings.inbox.target_first_response_minutes
            )
        return due

    @staticmethod
    def _upsert(session: Session, rows: list[takeover.NewInboxItem]) -> int:
        new = 0
        dialect = session.get_bind().dialect.name
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            by_platform: dict[str, set[str]] = {}
            for r in chunk:
                by_platform.setdefault(r["platform"], set()).add(r["remote_id"])
            known: set[tuple[str, str]] = set()
            for platform, ids in by_platform.items():
                known |= {
                    (platform, rid)
                    for rid in session.exec(
                        select(InboxItem.remote_id).where(
                            InboxItem.platform == platform, col(InboxItem.remote_id).in_(ids)
                        )
                    ).all()
                }
            fresh = list(
                {
                    (r["platform"], r["remote_id"]): r
                    for r in chunk
                    if (r["platform"], r["remote_id"]) not in known
                }.values()
            )
            if not fresh:
                continue
            statement = _insert_ignoring_duplicates(dialect)
            session.execute(statement, fresh)
            new += len(fresh)
        return new

    # --- takeover alerts ------------------------------------------------------------------------

    def check_own_posts(self, account: Account) -> Counter[str]:
        """Posts on the account that smtool did not publish become high-priority alert items.

        The first look only records what is already there (a watermark and the recent posts' ids):
        what was posted before smtool watched is not an alert. The cursor is JSON
        {"watermark": ISO time, "baseline": [ids]}.
        """
        counts: Counter[str] = Counter()
        stored = self._stored(account.id, OWN_POSTS)
        cursor = stored.cursor if stored else None
        first_look = cursor is None
        state: _OwnPostsCursor = (
            json.loads(cursor) if cursor else {"watermark": self.ctx.clock().isoformat(), "baseline": []}
        )
        watermark = datetime.fromisoformat(state["watermark"])
        try:
            own = self.connector(account).recent_own_posts(watermark - OWN_POSTS_OVERLAP)
        except (ConnectorError, SmtoolError) as error:
            self._record_error(account.id, OWN_POSTS, error)
            counts["errors"] += 1
            return counts
        if first_look:
            state["baseline"] = sorted(p.remote_id for p in own)
            self.store(account.id, OWN_POSTS, None, [], json.dumps(state))
            return counts
        baseline = set(state["baseline"])
        unknown = self._not_published_by_us(account.id, [p for p in own if p.remote_id not in baseline])
        alerts = [self._alert(account, post) for post in unknown]
        newest = max([p.created_at for p in own] + [watermark])
        # Baseline ids older than the re-read window can never come back; forget them.
        horizon = newest - OWN_POSTS_OVERLAP
        keep = sorted(p.remote_id for p in own if p.remote_id in baseline and p.created_at >= horizon)
        new_state = json.dumps(_OwnPostsCursor(watermark=newest.isoformat(), baseline=keep))
        if _unchanged(stored, cursor, alerts, new_state):
            counts["alerts"] += 0  # counted as a look that stored no alert
            return counts
        counts["alerts"] += self.store(account.id, OWN_POSTS, cursor, alerts, new_state, kind="alert")
        if counts["alerts"]:  # stored by this poll, not another worker's: respond once
            counts["takeover_pauses"] += takeover.on_unknown_posts(
                self.ctx, account.id, [p.remote_id for p in unknown]
            )
        return counts

    def _not_published_by_us(self, account_id: str, own: Iterable[OwnPost]) -> list[OwnPost]:
        posts = list(own)
        if not posts:
            return []
        with self.ctx.db.read() as session:
            ours = set(
                session.exec(
                    select(Publication.remote_id).where(
                        Publication.account_id == account_id,
                        col(Publication.remote_id).in_([p.remote_id for p in posts]),
                    )
                ).all()
            )
            # A publication still being sent may be on the platform before its id is recorded.
            in_flight = {
                collapse_spaces(t)
                for t in session.exec(
                    select(Publication.text).where(
                        Publication.account_id == account_id,
                        col(Publication.state).in_(["sending", "unknown"]),
                    )
                ).all()
            }
        return [p for p in posts if p.remote_id not in ours and collapse_spaces(p.text) not in in_flight]

    @staticmethod
    def _alert(account: Account, post: OwnPost) -> IncomingItem:
        return IncomingItem(
            platform=account.platform,
            remote_id=post.remote_id,
            account_id=account.id,
            kind="mention",  # stored as kind "alert"
            author_id=account.remote_id or "",
            author_name=account.handle,
            author_handle=account.handle,
            text=post.text,
            created_at=post.created_at,
            parent_remote_id=None,
            thread_remote_id=post.remote_id,
            raw={"own_post": post.raw, "alert": "posted on the account, not published by smtool"},
        )


def _ensure_cursor_row(session: Session, account_id: str, stream: str, now: datetime) -> None:
    """Create the stream's cursor row unless it exists (two workers may both try at once)."""
    dialect = session.get_bind().dialect.name
    table = IngestCursor.__table__  # type: ignore[attr-defined]
    values = {"account_id": account_id, "stream": stream, "cursor": None, "polled_at": now}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(values).on_conflict_do_nothing())
    elif session.get(IngestCursor, (account_id, stream)) is None:
        session.add(IngestCursor(account_id=account_id, stream=stream))
        session.flush()


def _insert_ignoring_duplicates(dialect: str) -> Any:
    table = InboxItem.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=["platform", "remote_id"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=["platform", "remote_id"])
    return insert(table)
