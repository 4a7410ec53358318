"""Recording a batch's outcomes in one transaction, in SQLAlchemy Core.

Every row's change is guarded as in design.md: a publication becomes `published` only from `sending`
or `unknown` (the sweeper may have given up on a slow call that did go out), and any other outcome
applies only while the row is still this worker's `sending`. The rows are read (and on PostgreSQL
locked) once, the changes are written with one executemany per kind of change, and the audit lines
go in with one `append_many`, which reads the chain's head once: a change that did not happen is
never audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, case, func, select, update
from sqlmodel import Session

from connectors.base import (
    AuthExpired,
    ConnectorError,
    DuplicateContent,
    PublishedRef,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from smtool.domain.outcomes import Backoff, Failure, FailureKind, Outcome, OutcomeKind, after_failure
from smtool.domain.states import PostEvent, PostState, PublicationState, next_post_state
from smtool.services.publishing.claims import ACCOUNTS, PUBLICATIONS
from smtool.services.publishing.replies import record_reply_published
from smtool.services.records import audit
from smtool.store.tables import Post

S = PublicationState
WORKER = "worker"
_POSTS: Table = Post.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one send of a batch came to.

    `ref` when the platform published it; `error` when it did not or may not have; neither when the
    worker never made the call (its lease ran short first). `attempted` is false when the call was
    never made, so the attempt the claim counted is given back.
    """

    publication_id: int
    account_id: str
    ref: PublishedRef | None = None
    error: ConnectorError | None = None
    attempted: bool = True


@dataclass
class Recorded:
    """What `record` did: an outcome per result (as `Publisher.publish_due` counts them) and the
    accounts whose token the platform refused (their connectors must be built again)."""

    outcomes: list[str] = field(default_factory=list)
    needs_reauth: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Row:
    state: str
    claimed_by: str | None
    attempt: int
    not_after: datetime | None
    post_id: int
    reply_to_item_id: int | None
    published_at: datetime | None = None  # set once the platform said when it published


@dataclass(frozen=True, slots=True)
class _Change:
    """One row's guarded change, its audit line and what `publish_due` counts for it."""

    values: dict[str, object]
    event: audit.Event
    outcome: str


def record(
    session: Session, results: Sequence[SendResult], *, me: str, now: datetime, backoff: Backoff
) -> Recorded:
    """Apply every result of a batch in the caller's write transaction."""
    done = Recorded()
    if not results:
        return done
    connection = session.connection()
    rows = _lock(connection, [r.publication_id for r in results])
    changes: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
    events: list[audit.Event] = []
    rate_limited: dict[str, datetime] = {}
    published: list[_Row] = []
    for result in results:
        row = rows[result.publication_id]
        if result.error is not None:
            # The account changes even when the row was lost: the platform's answer is about the
            # account, whoever holds the row now.
            after = _after(result, row, now, backoff)
            if after.kind is OutcomeKind.RATE_LIMITED and after.retry_at is not None:
                until = rate_limited.get(result.account_id, after.retry_at)
                rate_limited[result.account_id] = max(after.retry_at, until)
            elif after.kind is OutcomeKind.NEEDS_REAUTH:
                done.needs_reauth.add(result.account_id)
        change = _change(result, row, me, now, backoff)
        if change is None:
            done.outcomes.append("lost")  # another worker or the sweeper moved the row first
            continue
        if result.ref is not None:
            published.append(replace(row, published_at=result.ref.created_at))
        change.values["updated_at"] = now
        changes[tuple(sorted(change.values))].append({"b_id": result.publication_id, **change.values})
        events.append(change.event)
        done.outcomes.append(change.outcome)
    for columns, params in changes.items():
        connection.execute(
            update(PUBLICATIONS)
            .where(PUBLICATIONS.c.id == bindparam("b_id"))
            .values(version=PUBLICATIONS.c.version + 1, **{c: bindparam(c) for c in columns}),
            params,
        )
    _mark_accounts(connection, rate_limited, done.needs_reauth)
    for row in published:
        if row.reply_to_item_id is not None and row.published_at is not None:
            record_reply_published(session, row.reply_to_item_id, row.published_at)
    complete_posts(connection, {row.post_id for row in published}, now)
    if events:
        audit.append_many(session, WORKER, events)
    return done


def _after(result: SendResult, row: _Row, now: datetime, backoff: Backoff) -> Outcome:
    assert result.error is not None
    attempt = row.attempt if result.attempted else row.attempt - 1
    failure = _failure(result.error)
    return after_failure(failure, attempt=attempt, now=now, not_after=row.not_after, backoff=backoff)


def _change(result: SendResult, row: _Row, me: str, now: datetime, backoff: Backoff) -> _Change | None:
    """The row's change for `result`, or None when the row is no longer in a state it may leave so:
    `published` from `sending` or `unknown` (the sweeper may have given up on a slow call that did go
    out); anything else only from this worker's `sending`."""
    pid = result.publication_id
    if result.ref is not None:
        if row.state not in (S.SENDING, S.UNKNOWN):
            return None
        ref = result.ref
        values: dict[str, object] = {
            "state": S.PUBLISHED.value,
            "remote_id": ref.remote_id,
            "raw_response": ref.raw,
            "published_at": ref.created_at,
            "lease_until": None,
            "last_error": None,
        }
        payload = {"remote_id": ref.remote_id, "worker": me}
        event = audit.Event("publication.published", "publication", pid, payload)
        return _Change(values, event, S.PUBLISHED.value)
    if row.state != S.SENDING or row.claimed_by != me:
        return None
    # A call never made gives back the attempt its claim counted.
    attempt = row.attempt if result.attempted else row.attempt - 1
    if result.error is None:
        values = {"state": S.SCHEDULED.value, "claimed_by": None, "lease_until": None, "attempt": attempt}
        payload = {"reason": "not sent before its lease ran short", "worker": me}
        return _Change(values, audit.Event("publication.returned", "publication", pid, payload), "returned")
    after = _after(result, row, now, backoff)
    target = after.state
    values = {"state": target.value, "last_error": after.reason, "lease_until": None, "attempt": attempt}
    if after.retry_at is not None:
        values.update(due_at=after.retry_at, claimed_by=None)
    payload = {"error": type(result.error).__name__, "message": _failure(result.error).message}
    event = audit.Event(f"publication.{target.value}", "publication", pid, payload)
    return _Change(values, event, target.value if target != S.SCHEDULED else "retry")


def _lock(connection: Connection, ids: Sequence[int]) -> dict[int, _Row]:
    """The rows as they are now, locked against the sweeper and other workers until the commit (on
    SQLite the write transaction's BEGIN IMMEDIATE already is that lock)."""
    p = PUBLICATIONS
    statement = select(
        p.c.id, p.c.state, p.c.claimed_by, p.c.attempt, p.c.not_after, p.c.post_id, p.c.reply_to_item_id
    ).where(p.c.id.in_(sorted(set(ids))))
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return {
        row.id: _Row(row.state, row.claimed_by, row.attempt, row.not_after, row.post_id, row.reply_to_item_id)
        for row in connection.execute(statement)
    }


def _mark_accounts(connection: Connection, rate_limited: dict[str, datetime], needs_reauth: set[str]) -> None:
    a = ACCOUNTS
    if rate_limited:
        connection.execute(
            update(a).where(a.c.id == bindparam("b_id")).values(rate_limited_until=bindparam("until")),
            [{"b_id": account, "until": until} for account, until in sorted(rate_limited.items())],
        )
    if needs_reauth:
        refused = update(a).where(a.c.id.in_(sorted(needs_reauth)))
        connection.execute(refused.values(token_status="needs_reauth"))  # noqa: S106 (a status, not a secret)


def complete_posts(connection: Connection, post_ids: set[int], now: datetime) -> None:
    """Posts still `approved` whose every live publication (not cancelled or expired) is published
    become `published`."""
    if not post_ids:
        return
    p = PUBLICATIONS
    live = (S.CANCELLED.value, S.EXPIRED.value)
    unpublished = (
        select(p.c.post_id)
        .where(p.c.post_id.in_(sorted(post_ids)), p.c.state.not_in(live))
        .group_by(p.c.post_id)
        .having(func.sum(case((p.c.state == S.PUBLISHED.value, 0), else_=1)) == 0)
    )
    done = sorted(int(row[0]) for row in connection.execute(unpublished))
    if not done:
        return
    connection.execute(
        update(_POSTS)
        .where(_POSTS.c.id.in_(done), _POSTS.c.state == PostState.APPROVED.value)
        .values(
            state=next_post_state(PostState.APPROVED, PostEvent.COMPLETE).value,
            version=_POSTS.c.version + 1,
            updated_at=now,
        )
    )


def _failure(error: ConnectorError) -> Failure:
    """The connector's error as the retry policy sees it."""
    message = error.platform_message or type(error).__name__
    if isinstance(error, RateLimited):
        return Failure(FailureKind.RATE_LIMITED, message, retry_at=error.retry_at)
    if isinstance(error, AuthExpired):
        return Failure(FailureKind.AUTH_EXPIRED, message)
    if isinstance(error, UnknownOutcome | DuplicateContent):
        return Failure(FailureKind.MAYBE_SENT, message)
    if isinstance(error, Transient):
        return Failure(FailureKind.TRANSIENT, message)
    if isinstance(error, Rejected):
        return Failure(FailureKind.PERMANENT, message, reason=error.reason, code=error.platform_code)
    return Failure(FailureKind.PERMANENT, message)
