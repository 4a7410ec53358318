"""The publishing calendar: what goes out (or went out) when, on which account, in which state.

Reads are range queries that stay index walks with 100,000 posts stored: publications by
(state, due_at) through ix_publications_state_due, one range per state, paged by the keyset
(due_at, id); posts not yet approved through the index on posts.state (few rows by nature).
Replies to inbox items are publications too, but not the calendar's business: they are left out.

Rescheduling keeps a post's content and its hash. A post not yet approved just gets the new time
(an approver sees it when signing off); an approved post goes back to `submitted` (approval voided,
publications not yet started cancelled), because an approver signed off a post going out at a time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from smtool.domain.roles import Action, require
from smtool.domain.states import (
    ATTENTION_PUBLICATION_STATES,
    PENDING_PUBLICATION_STATES,
    PostEvent,
    PostState,
    PublicationState,
    next_post_state,
)
from smtool.domain.timezones import parse_local
from smtool.errors import Conflict, InvalidTransition, NotFound, UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.installation.accounts import AccountView, list_accounts
from smtool.services.people import user_roles
from smtool.services.publishing.pauses import ALL, list_pauses
from smtool.services.publishing.posts import cancel_pending, void_approvals
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Post, PostTarget, Publication

# Posts that are on the calendar before any publication exists: written, checked or waiting.
UNAPPROVED_STATES = (PostState.DRAFT, PostState.CHECKED, PostState.SUBMITTED, PostState.REJECTED)
PUBLICATION_STATES = tuple(PublicationState)


@dataclass(frozen=True)
class Entry:
    """One post on one account at one time: a publication, or a post still awaiting approval."""

    post_id: int
    publication_id: int | None
    account: str
    at: datetime  # aware UTC: the publication's due time, or the post's scheduled time
    state: str  # the publication's state, or the post's (draft, checked, submitted, rejected)
    text: str
    author: str  # who wrote the post: they may move or withdraw it without the approver's role

    @property
    def attention(self) -> bool:
        """A person must look at it: failed, unknown outcome, token expired, window passed."""
        return self.publication_id is not None and self.state in ATTENTION_PUBLICATION_STATES

    @property
    def cursor(self) -> tuple[datetime, int]:
        return self.at, self.publication_id or 0


@dataclass(frozen=True)
class CalendarPage:
    entries: list[Entry]
    next_after: tuple[datetime, int] | None  # pass as `after` for the next page


def local_period(zone: str, first_day: date, days: int) -> tuple[datetime, datetime]:
    """The UTC instants bounding `days` whole local days from `first_day` (DST days are 23 or 25 h)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first_day, time(), tz)
    end = datetime.combine(first_day + timedelta(days=days), time(), tz)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def entries(
    ctx: Context,
    start: datetime,
    end: datetime,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = 200,
    account: str | None = None,
) -> CalendarPage:
    """Posts on the calendar in [start, end), earliest first, on every account or one. Publications
    come in keyset pages; the first page (no `after`) also holds every post still awaiting approval
    in the range. Raises UsageError for a limit below 1."""
    if limit < 1:
        raise UsageError(_("the page size must be at least 1"))
    with ctx.db.read() as session:
        # Only the columns the calendar shows (not raw platform responses).
        query = (
            sa_select(
                col(Publication.post_id),
                col(Publication.id),
                col(Publication.account_id),
                col(Publication.due_at),
                col(Publication.state),
                col(Publication.text),
                col(Post.author),
            )
            .join(Post, col(Post.id) == col(Publication.post_id))
            .where(
                col(Publication.state).in_(PUBLICATION_STATES),
                col(Publication.due_at) >= start,
                col(Publication.due_at) < end,
                col(Publication.reply_to_item_id).is_(None),
            )
            .order_by(col(Publication.due_at), col(Publication.id))
            .limit(limit + 1)
        )
        if account is not None:
            query = query.where(col(Publication.account_id) == account)
        if after is not None:
            at, publication_id = after
            query = query.where(
                (col(Publication.due_at) > at)
                | ((col(Publication.due_at) == at) & (col(Publication.id) > publication_id))
            )
        rows = session.execute(query).all()
        found = [Entry(*row) for row in rows[:limit]]
        next_after = found[-1].cursor if len(rows) > limit and found else None
        if after is None:
            waiting = [e for e in _unapproved(session, start, end) if account in (None, e.account)]
            found = sorted(found + waiting, key=lambda e: e.cursor)
    return CalendarPage(found, next_after)


def _unapproved(session: Session, start: datetime, end: datetime) -> list[Entry]:
    rows = session.exec(
        select(Post, PostTarget.account_id)
        .join(PostTarget, col(PostTarget.post_id) == col(Post.id))
        .where(
            col(Post.state).in_(UNAPPROVED_STATES),
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
        )
    ).all()
    return [
        Entry(post.id, None, account_id, post.scheduled_at, post.state, post.text, post.author)
        for post, account_id in rows
        if post.id is not None and post.scheduled_at is not None
    ]


def day_counts(ctx: Context, start: datetime, end: datetime) -> Counter[tuple[date, str, str]]:
    """How many posts each local day of [start, end) has, per (day, account, state): the grid of
    the week and month views. One counting query per local day, each an index range, so a busy
    month costs some thirty small queries rather than reading every row."""
    zone = ZoneInfo(ctx.settings.institution.timezone)
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    counts: Counter[tuple[date, str, str]] = Counter()
    with ctx.db.read() as session:
        day = first
        while day <= last:
            day_start, day_end = local_period(str(zone), day, 1)
            rows = session.exec(
                select(Publication.account_id, Publication.state, func.count())
                .where(
                    col(Publication.state).in_(PUBLICATION_STATES),
                    col(Publication.due_at) >= max(day_start, start),
                    col(Publication.due_at) < min(day_end, end),
                    col(Publication.reply_to_item_id).is_(None),
                )
                .group_by(col(Publication.state), col(Publication.account_id))
            ).all()
            for account, state, number in rows:
                counts[(day, account, state)] += number
            day += timedelta(days=1)
        for entry in _unapproved(session, start, end):
            counts[(entry.at.astimezone(zone).date(), entry.account, entry.state)] += 1
    return counts


@audits_refusals("post.reschedule")
def reschedule(
    ctx: Context, actor: str, post_id: int, at: str | None, expected_version: int | None = None
) -> PostState:
    """Move a post to a new local time `at` ("YYYY-MM-DD HH:MM"; None: as soon as approved);
    returns its state afterwards.

    An approved post goes back to `submitted` for a new approval. The author may reschedule their
    own post; anyone else needs the approver's role. Raises PermissionDenied, NotFound, Conflict
    (changed since read), UsageError (unreadable, DST-refused or past time) or InvalidTransition
    (published or withdrawn, or a publication already sending or out on a platform).
    """
    scheduled = None if at is None else parse_local(at, ctx.settings.institution.timezone)
    if scheduled is not None and scheduled <= ctx.clock():
        raise UsageError(_("{time} is in the past; choose a later time").format(time=at))
    with ctx.db.write() as session:
        post = session.get(Post, post_id)
        if post is None:
            raise NotFound(_("no post {post}; see `smtool post list`").format(post=post_id))
        if post.author != actor:
            require(actor, user_roles(ctx.settings, actor), Action.APPROVE_POST)
        if expected_version is not None and expected_version != post.version:
            raise Conflict(
                _(
                    "post {post} was changed by someone else (version {version}, you had {expected}); "
                    "look at it again"
                ).format(post=post_id, version=post.version, expected=expected_version)
            )
        state = PostState(post.state)
        cancelled: list[int] = []
        if state == PostState.APPROVED:
            _refuse_when_started(session, post_id)
            state = next_post_state(state, PostEvent.REAPPROVE)
            cancelled = cancel_pending(session, post_id, now=ctx.clock())
            void_approvals(session, post_id, now=ctx.clock())
        elif state not in UNAPPROVED_STATES:
            next_post_state(state, PostEvent.EDIT)  # raises InvalidTransition naming the state
        post.scheduled_at = scheduled
        post.state = state
        post.version += 1
        post.updated_at = ctx.clock()
        session.add(post)
        audit.append(
            session,
            actor=actor,
            action="post.reschedule",
            subject_type="post",
            subject_id=post_id,
            payload={"scheduled_at": scheduled, "reapproval": bool(cancelled), "cancelled": cancelled},
        )
    return state


def _refuse_when_started(session: Session, post_id: int) -> None:
    started = session.exec(
        select(Publication.account_id, Publication.state).where(
            Publication.post_id == post_id,
            col(Publication.state).not_in([s.value for s in PENDING_PUBLICATION_STATES]),
            Publication.state != PublicationState.CANCELLED,
        )
    ).all()
    if started:
        where = ", ".join(f"{account} ({state})" for account, state in started)
        # The post's state allows the move, its publications do not: "not possible now", like any
        # refused transition, rather than the bad input of a UsageError.
        raise InvalidTransition(
            _(
                "post {post} is already underway on {where}; it cannot move. Withdraw what has "
                "not gone out and write a new post instead."
            ).format(post=post_id, where=where)
        )


@dataclass(frozen=True)
class AccountState:
    """An account's health as the accounts screen shows it."""

    id: str
    platform: str
    handle: str
    kind: str
    active: bool
    token_status: str  # missing | ok | needs_reauth
    token_set_at: datetime | None
    rate_limited_until: datetime | None  # the platform asked us to wait until then
    paused: str | None  # the reason, when this account's publishing is paused
    scheduled: int  # publications waiting to go out
    attention: int  # publications a person must look at
    token: AccountView | None = None  # the token's health: verified handle, scopes, expiry, next action


@dataclass(frozen=True)
class Overview:
    accounts: list[AccountState]
    paused_all: str | None  # the reason, when all publishing is paused


def account_overview(ctx: Context) -> Overview:
    """Every account with its token health, rate-limit state, pause and publication counts."""
    pauses = {p.scope: f"{p.reason} ({p.paused_by})" for p in list_pauses(ctx)}
    now = ctx.clock()
    with ctx.db.read() as session:
        limited = dict(session.exec(select(Account.id, Account.rate_limited_until)).all())
        counted = session.exec(
            select(Publication.account_id, Publication.state, func.count())
            .where(
                col(Publication.state).in_(
                    [PublicationState.SCHEDULED, PublicationState.CLAIMED, *ATTENTION_PUBLICATION_STATES]
                )
            )
            # State first: each state of the IN list is then one range of the (state, due_at) index.
            .group_by(col(Publication.state), col(Publication.account_id))
        ).all()
    scheduled: Counter[str] = Counter()
    attention: Counter[str] = Counter()
    for account, state, count in counted:
        (attention if state in ATTENTION_PUBLICATION_STATES else scheduled)[account] += count
    rows = []
    for view in list_accounts(ctx):
        until = limited.get(view.id)
        rows.append(
            AccountState(
                id=view.id,
                platform=view.platform,
                handle=view.handle,
                kind=view.kind,
                active=view.active,
                token_status=view.token_status,
                token_set_at=view.token_set_at,
                rate_limited_until=until if until is not None and until > now else None,
                paused=pauses.get(view.id),
                scheduled=scheduled[view.id],
                attention=attention[view.id],
                token=view,
            )
        )
    return Overview(rows, pauses.get(ALL))
