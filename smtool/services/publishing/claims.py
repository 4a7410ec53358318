"""The outbox's claim and the reads around it, in SQLAlchemy Core: the worker's hot path.

A batch of due publications is claimed with one guarded UPDATE ... RETURNING (design.md's claim, with
LIMIT k instead of LIMIT 1), what the send and the seal check need is read with one joined SELECT, and
the rows that pass are moved to `sending` with one more UPDATE, all in the caller's transaction. No
ORM object is built: at hundreds of publishes a second the identity map, flushes and per-row
`session.get` cost more than the SQL (issue 21).

On PostgreSQL the claim's subquery locks its rows with SKIP LOCKED, so concurrent workers take
disjoint batches instead of queueing on the same rows; the index ix_publications_state_due_id
(state, due_at, id) serves its ORDER BY without sorting every due row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, String, Table, bindparam, select, text, update

from smtool.domain.media import MediaEntry
from smtool.domain.states import PublicationState
from smtool.store.tables import Account, Approval, InboxItem, Post, Publication, PublicationSeal
from smtool.store.types import UTCDateTime

S = PublicationState
PUBLICATIONS: Table = Publication.__table__  # type: ignore[attr-defined]
ACCOUNTS: Table = Account.__table__  # type: ignore[attr-defined]
_POSTS: Table = Post.__table__  # type: ignore[attr-defined]
_APPROVALS: Table = Approval.__table__  # type: ignore[attr-defined]
_SEALS: Table = PublicationSeal.__table__  # type: ignore[attr-defined]
_ITEMS: Table = InboxItem.__table__  # type: ignore[attr-defined]

_CLAIM = """
UPDATE publications
   SET state = 'claimed', claimed_by = :me, lease_until = :lease_until,
       attempt = attempt + 1, version = version + 1, updated_at = :now
 WHERE state = 'scheduled'
   AND id IN (
        SELECT p.id FROM publications p JOIN accounts a ON a.id = p.account_id
         WHERE p.state = 'scheduled' AND p.due_at <= :now
           AND a.token_status = 'ok'
           AND (a.rate_limited_until IS NULL OR a.rate_limited_until <= :now)
           AND NOT EXISTS (SELECT 1 FROM publishing_pauses z WHERE z.scope IN ('*', p.account_id))
           AND p.account_id NOT IN :refused
         ORDER BY p.due_at, p.id
         LIMIT :limit {lock})
RETURNING id
"""


def claim(
    connection: Connection,
    me: str,
    now: datetime,
    lease: timedelta,
    refused: frozenset[str] = frozenset(),
    limit: int = 1,
) -> list[int]:
    """Claim up to `limit` of the most overdue publications of accounts that may send now (token
    usable, not rate limited, not paused, not `refused`); returns their ids in due order. The outer
    `state` guard makes a row another worker took first a no-op."""
    locking = "FOR UPDATE OF p SKIP LOCKED" if connection.dialect.name == "postgresql" else ""
    statement = text(_CLAIM.format(lock=locking)).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("lease_until", type_=UTCDateTime()),
        bindparam("refused", expanding=True, type_=String()),
    )
    values = {"me": me, "now": now, "lease_until": now + lease, "refused": sorted(refused), "limit": limit}
    return sorted(int(row[0]) for row in connection.execute(statement, values))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed publication with what its seal check and its send need, read in one query."""

    id: int
    post_id: int
    approval_id: int
    account_id: str
    reply_to_item_id: int | None
    text: str
    not_after: datetime | None
    attempt: int
    media: list[MediaEntry | str]
    seal: str | None
    approver: str | None
    """None when the approval row is missing."""
    approval_standing: bool
    """The approval is a decision to approve and has not been voided since."""
    reply_to_remote_id: str | None


def claimed_rows(connection: Connection, ids: Sequence[int]) -> list[Claimed]:
    """The claimed rows `ids` with their post's media, seal, approval and answered item, by id."""
    p = PUBLICATIONS
    statement = (
        select(
            p.c.id,
            p.c.post_id,
            p.c.approval_id,
            p.c.account_id,
            p.c.reply_to_item_id,
            p.c.text,
            p.c.not_after,
            p.c.attempt,
            _POSTS.c.media,
            _SEALS.c.seal,
            _APPROVALS.c.approver,
            _APPROVALS.c.decision,
            _APPROVALS.c.voided_at,
            _ITEMS.c.remote_id,
        )
        .join(_POSTS, _POSTS.c.id == p.c.post_id)
        .outerjoin(_SEALS, _SEALS.c.publication_id == p.c.id)
        .outerjoin(_APPROVALS, _APPROVALS.c.id == p.c.approval_id)
        .outerjoin(_ITEMS, _ITEMS.c.id == p.c.reply_to_item_id)
        .where(p.c.id.in_(ids))
        .order_by(p.c.id)
    )
    return [
        Claimed(
            id=row.id,
            post_id=row.post_id,
            approval_id=row.approval_id,
            account_id=row.account_id,
            reply_to_item_id=row.reply_to_item_id,
            text=row.text,
            not_after=row.not_after,
            attempt=row.attempt,
            media=list(row.media or []),
            seal=row.seal,
            approver=row.approver,
            approval_standing=row.decision == "approved" and row.voided_at is None,
            reply_to_remote_id=row.remote_id,
        )
        for row in connection.execute(statement)
    ]


def mark_sending(
    connection: Connection, ids: Sequence[int], me: str, now: datetime, lease: timedelta
) -> set[int]:
    """Move this worker's claimed rows `ids` to `sending` (the decision to send, committed before any
    platform call); returns the ids that moved."""
    if not ids:
        return set()
    p = PUBLICATIONS
    statement = (
        update(p)
        .where(p.c.id.in_(ids), p.c.state == S.CLAIMED.value, p.c.claimed_by == me)
        .values(
            state=S.SENDING.value,
            sent_at=now,
            lease_until=now + lease,
            version=p.c.version + 1,
            updated_at=now,
        )
        .returning(p.c.id)
    )
    return {int(row[0]) for row in connection.execute(statement)}


def accounts_by_id(connection: Connection, ids: Sequence[str]) -> dict[str, Account]:
    """The account rows `ids` as detached Account values (model_construct: no session, no identity
    map), which is what a connector factory takes."""
    rows = connection.execute(select(ACCOUNTS).where(ACCOUNTS.c.id.in_(sorted(set(ids)))))
    return {row.id: Account.model_construct(**dict(row._mapping)) for row in rows}
