"""The outbox worker: publish each approved publication exactly once, at its time.

The database is the only record of what is due. A worker claims a row with a guarded UPDATE (design.md),
commits `sending` before the platform call, and records the outcome after it; no transaction is held
across an HTTP call. When the outcome is unknown (timeout after sending, a crash mid-call) the row
becomes `unknown` and is settled by reading the account's own recent posts, never by a blind resend.
Before `sending` is committed the row's seal is checked against what is about to go out (seals): on a
mismatch it is `held`, audited and alerted (holds), and never sent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import String, bindparam, text, update
from sqlmodel import Session, col, select

from connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    DuplicateContent,
    IncomingItem,
    MediaFile,
    OutgoingPost,
    PublishedRef,
    RateLimited,
    Rejected,
    Transient,
    UnknownOutcome,
)
from smtool.domain.media import MediaEntry
from smtool.domain.outcomes import Backoff, Failure, FailureKind, OutcomeKind, after_failure
from smtool.domain.states import PostEvent, PostState, PublicationState, next_post_state
from smtool.domain.text import collapse_spaces
from smtool.errors import SmtoolError, UnappliedAddress
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.media import MediaUnavailable, read_verified
from smtool.services.platforms import ConnectorFactory, connector_for, incoming_item
from smtool.services.publishing.holds import held_message, raise_alert
from smtool.services.publishing.posts import content_hash, targets
from smtool.services.publishing.replies import record_reply_published
from smtool.services.publishing.seals import SealCheck, check_publication
from smtool.services.records import audit
from smtool.services.records.signing import load_signing_key
from smtool.store.tables import Account, Approval, InboxItem, Post, Publication
from smtool.store.types import UTCDateTime

S = PublicationState
WORKER = "worker"
# Platform and worker clocks differ a little; a post older than this before our send is not ours.
CLOCK_SKEW = timedelta(minutes=2)
# Platforms whose `recent_own_posts` includes the account's replies (X: replies are tweets). On
# Facebook a reply is a comment, which the Page's own feed does not list.
TIMELINE_SHOWS_REPLIES = frozenset({"x"})

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name unique to this process, shown in `claimed_by` so a person can tell workers apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


_CLAIM = """
UPDATE publications
   SET state = 'claimed', claimed_by = :me, lease_until = :lease_until,
       attempt = attempt + 1, version = version + 1, updated_at = :now
 WHERE state = 'scheduled'
   AND id = (
        SELECT p.id FROM publications p JOIN accounts a ON a.id = p.account_id
         WHERE p.state = 'scheduled' AND p.due_at <= :now
           AND a.token_status = 'ok'
           AND (a.rate_limited_until IS NULL OR a.rate_limited_until <= :now)
           AND NOT EXISTS (SELECT 1 FROM publishing_pauses z WHERE z.scope IN ('*', p.account_id))
           AND p.account_id NOT IN :refused
         ORDER BY p.due_at, p.id
         LIMIT 1 {lock})
RETURNING id
"""


def claim_next(
    session: Session, me: str, now: datetime, lease: timedelta, refused: frozenset[str] = frozenset()
) -> int | None:
    """Claim the most overdue publication of an account not `refused`, or None. The outer `state`
    guard makes a lost race a no-op."""
    dialect = session.get_bind().dialect.name
    statement = text(_CLAIM.format(lock="FOR UPDATE OF p SKIP LOCKED" if dialect == "postgresql" else ""))
    statement = statement.bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("lease_until", type_=UTCDateTime()),
        bindparam("refused", expanding=True, type_=String()),
    )
    values = {"me": me, "now": now, "lease_until": now + lease, "refused": sorted(refused)}
    row = session.execute(statement, values).first()
    return int(row[0]) if row else None


def _move(
    session: Session,
    publication_id: int,
    *,
    from_states: tuple[PublicationState, ...],
    me: str | None,
    now: datetime,
    **values: object,
) -> bool:
    """Guarded state change: true only if the row was still in one of `from_states` (and ours)."""
    statement = update(Publication).where(
        col(Publication.id) == publication_id,
        col(Publication.state).in_([s.value for s in from_states]),
    )
    if me is not None:
        statement = statement.where(col(Publication.claimed_by) == me)
    values.setdefault("updated_at", now)
    result = session.execute(statement.values(version=Publication.version + 1, **values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _transition(
    session: Session,
    publication_id: int,
    *,
    from_states: tuple[PublicationState, ...],
    me: str | None,
    action: str,
    payload: dict[str, object],
    now: datetime,
    **values: object,
) -> bool:
    """A guarded state change and its audit line, together: when another worker or the sweeper
    moved the row first, nothing changes and nothing is recorded (the audit never claims a change
    that did not happen)."""
    if not _move(session, publication_id, from_states=from_states, me=me, now=now, **values):
        return False
    audit.append(
        session,
        actor=WORKER,
        action=action,
        subject_type="publication",
        subject_id=publication_id,
        payload=payload,
    )
    return True


@dataclass(frozen=True)
class _Send:
    """A publication committed as `sending`, with what the platform call needs."""

    publication_id: int
    account: Account
    text: str
    media: list[MediaEntry | str]
    answered: IncomingItem | None


class MediaNotSent(ConnectorError):
    """The post's media could not be read from the media store as approved (missing, changed, or a
    path from before the store); nothing reached the platform, and a person must attach it again."""


class Publisher:
    """Publishes due publications; one instance per worker process.

    Safe to share between threads (the worker's publish and housekeeping jobs run on different ones):
    its only mutable state, the connector cache, is guarded by a lock.
    """

    def __init__(
        self, ctx: Context, me: str | None = None, factory: ConnectorFactory = connector_for
    ) -> None:
        self.ctx = ctx
        self.me = me or worker_id()
        self.factory = factory
        self.settings = ctx.settings.publishing
        self.backoff = Backoff(self.settings.retry_base_seconds, self.settings.max_attempts)
        self._connectors: dict[str, Connector] = {}
        self._connectors_lock = threading.Lock()
        self._public_key: Ed25519PublicKey | None = None
        self._refused: frozenset[str] = frozenset()  # the accounts last reported as refused

    def seal_key(self) -> Ed25519PublicKey:
        """The key that checks seals, read once; raises SecretError when the signing key is missing
        or unreadable (before anything is claimed, so nothing waits on a lost claim)."""
        if self._public_key is None:
            self._public_key = load_signing_key(self.ctx.settings).public_key()
        return self._public_key

    def connector(self, account: Account) -> Connector:
        """The account's cached connector, built on first use.

        Raises what the factory raises (no token stored, a token that cannot be decrypted).
        """
        # The build happens under the lock, so two threads missing at once get one connector, not
        # two of which one is lost. A build is a token read and a client object, no platform call.
        with self._connectors_lock:
            connector = self._connectors.get(account.id)
            if connector is None:
                connector = self._connectors[account.id] = self.factory(self.ctx, account)
            return connector

    def _report_refused(self, refused: frozenset[str]) -> None:
        """Log each account newly refused for an unapplied address once, not at every tick."""
        for account_id in sorted(refused - self._refused):
            log.warning(
                "account %s: not publishing, its base_url in config.toml differs from the applied one; "
                "see `smtool config apply --dry-run`",
                account_id,
            )
        self._refused = refused

    def _forget_connector(self, account_id: str) -> None:
        """Drop the account's cached connector: the next use reads its token again."""
        with self._connectors_lock:
            self._connectors.pop(account_id, None)

    # --- one publication ------------------------------------------------------------------------

    def publish_due(self, limit: int | None = None) -> Counter[str]:
        """Publish due rows until none is left (or `limit`); returns a count per outcome."""
        outcomes: Counter[str] = Counter()
        self.seal_key()
        # Accounts whose address in config.toml is not the applied one wait, scheduled, until
        # `config apply`: their connector would refuse to send the token anywhere (Context.platform_address).
        refused = self.ctx.unapplied_addresses()
        self._report_refused(refused)
        while limit is None or sum(outcomes.values()) < limit:
            # Claim and mark `sending` in one transaction: one commit fewer per publication, and
            # the claim is never visible without its send decision.
            with self.ctx.db.write() as session:
                claimed = claim_next(
                    session,
                    self.me,
                    self.ctx.clock(),
                    timedelta(seconds=self.settings.lease_seconds),
                    refused,
                )
                if claimed is None:
                    break
                prepared = self._prepare(session, claimed)
            outcomes[prepared if isinstance(prepared, str) else self._send(prepared)] += 1
        return outcomes

    def publish_claimed(self, publication_id: int) -> str:
        """Send one publication this worker has claimed and record what happened; returns the outcome."""
        self.seal_key()
        with self.ctx.db.write() as session:
            prepared = self._prepare(session, publication_id)
        return prepared if isinstance(prepared, str) else self._send(prepared)

    def _prepare(self, session: Session, publication_id: int) -> str | _Send:
        """Expire the claimed row, hold it when its seal does not match, or commit it as `sending` and
        return what to send."""
        now = self.ctx.clock()
        publication = session.get(Publication, publication_id)
        assert publication is not None
        account = session.get(Account, publication.account_id)
        post = session.get(Post, publication.post_id)
        assert account is not None and post is not None
        if publication.not_after and now > publication.not_after:
            return S.EXPIRED.value if self._expire(session, publication, post) else "lost"
        # The seal binds the media by their SHA-256; `_outgoing` reads them from the store and checks
        # the bytes against it, so the bytes sent are those approved.
        check = check_publication(session, self.seal_key(), publication, post.media)
        if not check.ok:
            return S.HELD.value if self._hold(session, publication, post, account, check) else "lost"
        # `sending` is committed before the call: after a crash the sweeper knows the request may
        # have left, and nobody resends it blindly. The claim commits with it, so this one audit
        # line records both.
        if not _transition(
            session,
            publication_id,
            now=now,
            from_states=(S.CLAIMED,),
            me=self.me,
            action="publication.sending",
            payload={"worker": self.me, "attempt": publication.attempt},
            state=S.SENDING.value,
            sent_at=now,
            lease_until=now + timedelta(seconds=self.settings.lease_seconds),
        ):
            return "lost"
        answered = None
        if publication.reply_to_item_id is not None:
            # A moderation reply answers the stored inbox item on its own account.
            item = session.get(InboxItem, publication.reply_to_item_id)
            assert item is not None
            answered = incoming_item(item)
        return _Send(publication_id, account, publication.text, list(post.media), answered)

    def _outgoing(self, send: _Send) -> OutgoingPost:
        """What goes to the platform: the media read from the store, each checked against its hash.

        Raises MediaNotSent. Read here, after `sending` is committed and outside any transaction,
        so a large video holds no database lock; the bytes read are the bytes sent.
        """
        media = []
        for entry in send.media:
            try:
                content = read_verified(self.ctx.settings, entry)
            except MediaUnavailable as error:
                raise MediaNotSent(error.msg) from None
            assert not isinstance(entry, str)  # read_verified refuses a plain path
            media.append(MediaFile(entry["name"], content, entry["type"], entry["alt"]))
        return OutgoingPost(text=send.text, media=tuple(media))

    def _hold(
        self, session: Session, publication: Publication, post: Post, account: Account, check: SealCheck
    ) -> bool:
        """Never send it: `held`, audited with what differs, and an alert for a person."""
        assert publication.id is not None
        now = self.ctx.clock()
        approval = session.get(Approval, publication.approval_id)
        # The post row against its approval's hash: whether the post was changed too, or only the
        # outbox row (an insider's edit that skipped the post).
        current = content_hash(post.text, post.variants, post.media, targets(session, publication.post_id))
        if not _transition(
            session,
            publication.id,
            now=now,
            from_states=(S.CLAIMED,),
            me=self.me,
            action="publication.seal_mismatch",
            payload={
                "publication": publication.id,
                "post": publication.post_id,
                "reason": check.reason,
                "differs": list(check.differs),
                "post_matches_approval": approval is not None and approval.content_hash == current,
                "worker": self.me,
            },
            state=S.HELD.value,
            lease_until=None,
            last_error=held_message(publication, check),
        ):
            return False
        raise_alert(session, self.ctx.settings, publication, account, check, now)
        return True

    def _send(self, send: _Send) -> str:
        """The platform call, outside any transaction, and the record of its outcome."""
        try:
            outgoing = self._outgoing(send)
            connector = self.connector(send.account)
            if send.answered is not None:
                ref = connector.reply(send.answered, outgoing.text)
            else:
                ref = connector.publish(outgoing)
        except ConnectorError as error:
            return self._record_failure(send.publication_id, send.account.id, error)
        except UnappliedAddress as error:
            # config.toml changed after the claim: nothing left, and the token is fine, so the row
            # waits as after an outage rather than asking for a new token.
            return self._record_failure(send.publication_id, send.account.id, Transient(error.msg))
        except SmtoolError as error:  # no token, a key that cannot decrypt it: a person must act
            return self._record_failure(send.publication_id, send.account.id, AuthExpired(error.msg))
        except Exception as error:  # an unexpected answer after the request may have left
            return self._record_failure(send.publication_id, send.account.id, UnknownOutcome(repr(error)))
        return self._record_published(send.publication_id, ref)

    def _record_published(self, publication_id: int, ref: PublishedRef) -> str:
        now = self.ctx.clock()
        with self.ctx.db.write() as session:
            # `unknown` too: the sweeper may have given up on our lease while the call was slow.
            if not _transition(
                session,
                publication_id,
                now=now,
                from_states=(S.SENDING, S.UNKNOWN),
                me=None,
                action="publication.published",
                payload={"remote_id": ref.remote_id, "worker": self.me},
                state=S.PUBLISHED.value,
                remote_id=ref.remote_id,
                raw_response=ref.raw,
                published_at=ref.created_at,
                lease_until=None,
                last_error=None,
            ):
                return "lost"
            self._published_side_effects(session, publication_id, ref.created_at, now)
        return S.PUBLISHED.value

    @staticmethod
    def _published_side_effects(session: Session, publication_id: int, at: datetime, now: datetime) -> None:
        publication = session.get(Publication, publication_id)
        assert publication is not None
        if publication.reply_to_item_id is not None:
            record_reply_published(session, publication.reply_to_item_id, at)
        _complete_post_if_done(session, publication.post_id, now)

    def _record_failure(self, publication_id: int, account_id: str, error: ConnectorError) -> str:
        """Apply the retry policy (smtool.domain.outcomes) to a failed send, in one transaction."""
        now = self.ctx.clock()
        failure = _failure(error)
        with self.ctx.db.write() as session:
            publication = session.get(Publication, publication_id)
            assert publication is not None
            outcome = after_failure(
                failure,
                attempt=publication.attempt,
                now=now,
                not_after=publication.not_after,
                backoff=self.backoff,
            )
            values: dict[str, object] = {"last_error": outcome.reason, "lease_until": None}
            if outcome.retry_at is not None:
                values.update(due_at=outcome.retry_at, claimed_by=None)
            if outcome.kind in (OutcomeKind.RATE_LIMITED, OutcomeKind.NEEDS_REAUTH):
                # The account changes even when the row was lost: the platform's answer is about
                # the account, whoever holds the row now.
                account = session.get(Account, account_id)
                assert account is not None
                if outcome.kind is OutcomeKind.RATE_LIMITED:
                    account.rate_limited_until = outcome.retry_at
                else:
                    account.token_status = "needs_reauth"
                    self._forget_connector(account_id)
                session.add(account)
            target = outcome.state
            if not _transition(
                session,
                publication_id,
                now=now,
                from_states=(S.SENDING,),
                me=self.me,
                action=f"publication.{target.value}",
                payload={"error": type(error).__name__, "message": failure.message},
                state=target.value,
                **values,
            ):
                return "lost"  # the sweeper already made it `unknown`: reconciliation settles it
        return target.value if target != S.SCHEDULED else "retry"

    def _expire(self, session: Session, publication: Publication, post: Post) -> bool:
        assert publication.id is not None
        now = self.ctx.clock()
        if not _transition(
            session,
            publication.id,
            now=now,
            from_states=(S.CLAIMED, S.SCHEDULED, S.NEEDS_REAUTH, S.FAILED),
            me=None,
            action="publication.expired",
            payload={"not_after": publication.not_after},
            state=S.EXPIRED.value,
            lease_until=None,
        ):
            return False
        if post.state == PostState.APPROVED:
            post.state = next_post_state(post.state, PostEvent.REAPPROVE)
            post.version += 1
            session.add(post)
        return True

    # --- housekeeping ---------------------------------------------------------------------------

    def sweep(self) -> Counter[str]:
        """Return lapsed claims, mark lapsed sends unknown, expire what is past its window."""
        now = self.ctx.clock()
        counts: Counter[str] = Counter()
        with self.ctx.db.write() as session:
            lapsed = session.exec(
                select(Publication).where(
                    col(Publication.state).in_([S.CLAIMED.value, S.SENDING.value]),
                    col(Publication.lease_until) < now,
                )
            ).all()
            for row in lapsed:
                assert row.id is not None
                if row.state == S.CLAIMED:
                    counts["returned"] += _transition(
                        session,
                        row.id,
                        now=now,
                        from_states=(S.CLAIMED,),
                        me=None,
                        action="publication.returned",
                        payload={"reason": "claim lapsed before sending", "worker": row.claimed_by},
                        state=S.SCHEDULED.value,
                        claimed_by=None,
                        lease_until=None,
                    )
                else:
                    # The worker died or hung mid-call: the post may be out. Reconcile, never resend.
                    counts["unknown"] += _transition(
                        session,
                        row.id,
                        now=now,
                        from_states=(S.SENDING,),
                        me=None,
                        action="publication.unknown",
                        payload={"reason": "lease lapsed while sending", "worker": row.claimed_by},
                        state=S.UNKNOWN.value,
                        lease_until=None,
                        last_error=_("the worker stopped during the platform call"),
                    )
            overdue = session.exec(
                select(Publication).where(
                    col(Publication.state).in_([S.SCHEDULED.value, S.NEEDS_REAUTH.value]),
                    col(Publication.not_after) < now,
                )
            ).all()
            for row in overdue:
                post = session.get(Post, row.post_id)
                assert post is not None
                counts["expired"] += self._expire(session, row, post)
        return counts

    def reconcile(self) -> Counter[str]:
        """Settle `unknown` rows by reading each account's own recent posts."""
        counts: Counter[str] = Counter()
        grace = timedelta(seconds=self.settings.reconcile_grace_seconds)
        with self.ctx.db.read() as session:
            unknown = session.exec(select(Publication).where(Publication.state == S.UNKNOWN.value)).all()
        by_account: dict[str, list[Publication]] = {}
        for row in unknown:
            by_account.setdefault(row.account_id, []).append(row)
        for account_id, rows in by_account.items():
            with self.ctx.db.read() as session:
                account = session.get(Account, account_id)
            assert account is not None
            since = min((r.sent_at or r.created_at) for r in rows) - CLOCK_SKEW
            try:
                own = self.connector(account).recent_own_posts(since)
            except (ConnectorError, SmtoolError):
                counts["unreachable"] += len(rows)
                continue
            for row in rows:
                counts[self._settle(row, own, grace, account.platform)] += 1
        return counts

    def _settle(self, row: Publication, own: list, grace: timedelta, platform: str) -> str:  # type: ignore[type-arg]
        assert row.id is not None
        now = self.ctx.clock()
        sent = row.sent_at or row.created_at
        match = next(
            (p for p in own if _same_text(p.text, row.text) and p.created_at >= sent - CLOCK_SKEW),
            None,
        )
        with self.ctx.db.write() as session:
            if match is not None:
                if not _transition(
                    session,
                    row.id,
                    now=now,
                    from_states=(S.UNKNOWN,),
                    me=None,
                    action="publication.reconciled",
                    payload={"found": True, "remote_id": match.remote_id},
                    state=S.PUBLISHED.value,
                    remote_id=match.remote_id,
                    raw_response=match.raw,
                    published_at=match.created_at,
                    last_error=None,
                ):
                    return "lost"  # another worker settled it first
                self._published_side_effects(session, row.id, match.created_at, now)
                return "found"
            if now - sent < grace:
                return "waiting"
            if row.reply_to_item_id is not None and platform not in TIMELINE_SHOWS_REPLIES:
                # The account's own posts do not list its comments here, so "not found" proves
                # nothing: a person checks the thread rather than risk a second reply.
                return "needs_person"
            approval = session.get(Approval, row.approval_id)
            if approval is None or approval.voided_at is not None:
                # The post was withdrawn or edited while this send's outcome was unknown: had it gone
                # out, the platform would list it (found above); it did not, and it never will.
                cancelled = _transition(
                    session,
                    row.id,
                    now=now,
                    from_states=(S.UNKNOWN,),
                    me=None,
                    action="publication.reconciled",
                    payload={
                        "found": False,
                        "cancelled": "the approval was voided (post withdrawn or edited)",
                    },
                    state=S.CANCELLED.value,
                    claimed_by=None,
                    lease_until=None,
                )
                return "cancelled" if cancelled else "lost"
            # Read, and not there after the grace period: sending again is not a blind resend.
            rescheduled = _transition(
                session,
                row.id,
                now=now,
                from_states=(S.UNKNOWN,),
                me=None,
                action="publication.reconciled",
                payload={"found": False},
                state=S.SCHEDULED.value,
                claimed_by=None,
                due_at=now,
            )
            return "rescheduled" if rescheduled else "lost"


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


def _same_text(a: str, b: str) -> bool:
    return collapse_spaces(a) == collapse_spaces(b)


def _complete_post_if_done(session: Session, post_id: int, now: datetime) -> None:
    """A post is published when every live publication of its current approval is."""
    post = session.get(Post, post_id)
    assert post is not None
    if post.state != PostState.APPROVED:
        return
    states = session.exec(
        select(Publication.state).where(
            Publication.post_id == post_id,
            col(Publication.state).not_in([S.CANCELLED.value, S.EXPIRED.value]),
        )
    ).all()
    if states and all(s == S.PUBLISHED for s in states):
        post.state = next_post_state(post.state, PostEvent.COMPLETE)
        post.version += 1
        post.updated_at = now
        session.add(post)
