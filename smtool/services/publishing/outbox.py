"""The outbox worker: publish each approved publication exactly once, at its time.

The database is the only record of what is due. A worker claims a batch of due rows with one guarded
UPDATE (design.md, claims), commits them all as `sending` before any platform call, makes the calls
concurrently (sending: each account's in order, a rate limit stopping only that account) and records
every outcome in one transaction (results); no transaction is held across an HTTP call. When an
outcome is unknown (timeout after sending, a crash mid-call or between the `sending` commit and the
outcomes) the row becomes `unknown` and is settled by reading the account's own recent posts, never
by a blind resend. Before `sending` is committed each row's seal is checked against what is about to
go out (seals): on a mismatch it is `held`, audited and alerted (holds), and never sent.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import update
from sqlmodel import Session, col, select

from connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    IncomingItem,
    MediaFile,
    OutgoingPost,
    Transient,
    UnknownOutcome,
)
from smtool.domain.outcomes import Backoff
from smtool.domain.states import PostEvent, PostState, PublicationState, next_post_state
from smtool.domain.text import collapse_spaces
from smtool.errors import SmtoolError, UnappliedAddress
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.media import MediaUnavailable, read_verified
from smtool.services.platforms import ConnectorCache, ConnectorFactory, connector_for, incoming_item
from smtool.services.publishing.claims import Claimed, accounts_by_id, claim, claimed_rows, mark_sending
from smtool.services.publishing.holds import held_message, raise_alert
from smtool.services.publishing.posts import content_hash, targets
from smtool.services.publishing.replies import record_reply_published
from smtool.services.publishing.results import WORKER, SendResult, complete_posts, record
from smtool.services.publishing.seals import SealCheck, check_sealed, fields_of
from smtool.services.publishing.sending import Send, SendPool, Stop, stops
from smtool.services.records import audit
from smtool.services.records.signing import load_signing_key
from smtool.store.tables import Account, Approval, InboxItem, Post, Publication

S = PublicationState
# Platform and worker clocks differ a little; a post older than this before our send is not ours.
CLOCK_SKEW = timedelta(minutes=2)
# Platforms whose `recent_own_posts` includes the account's replies (X: replies are tweets). On
# Facebook a reply is a comment, which the Page's own feed does not list.
TIMELINE_SHOWS_REPLIES = frozenset({"x"})

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name unique to this process, shown in `claimed_by` so a person can tell workers apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim_next(
    session: Session, me: str, now: datetime, lease: timedelta, refused: frozenset[str] = frozenset()
) -> int | None:
    """Claim the most overdue publication of an account not `refused`, or None (a batch of one)."""
    claimed = claim(session.connection(), me, now, lease, refused, limit=1)
    return claimed[0] if claimed else None


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


class MediaNotSent(ConnectorError):
    """The post's media could not be read from the media store as approved (missing, changed, or a
    path from before the store); nothing reached the platform, and a person must attach it again."""


class Publisher:
    """Publishes due publications; one instance per worker process.

    Safe to share between threads (the worker's publish and housekeeping jobs run on different ones):
    its connector cache is thread-safe, and the publish job alone uses the send pool.
    """

    def __init__(
        self, ctx: Context, me: str | None = None, factory: ConnectorFactory = connector_for
    ) -> None:
        self.ctx = ctx
        self.me = me or worker_id()
        # One connector per account for the process: the worker hands this cache to ingest and
        # metrics too (a ConnectorCache passed in is used as it is, so they share it).
        self.connectors = factory if isinstance(factory, ConnectorCache) else ConnectorCache(factory)
        self.settings = ctx.settings.publishing
        self.backoff = Backoff(self.settings.retry_base_seconds, self.settings.max_attempts)
        self._pool = SendPool(self.settings.concurrent_sends)
        self._public_key: Ed25519PublicKey | None = None
        self._refused: frozenset[str] = frozenset()  # the accounts last reported as refused

    def seal_key(self) -> Ed25519PublicKey:
        """The key that checks seals, read once; raises SecretError when the signing key is missing
        or unreadable (before anything is claimed, so nothing waits on a lost claim)."""
        if self._public_key is None:
            self._public_key = load_signing_key(self.ctx.settings).public_key()
        return self._public_key

    def connector(self, account: Account) -> Connector:
        """The account's connector, shared by the process (ConnectorCache).

        Raises what the factory raises (no token stored, a token that cannot be decrypted).
        """
        return self.connectors(self.ctx, account)

    def close(self) -> None:
        """Wait for platform calls under way and stop the send threads (a process ending)."""
        self._pool.close()

    def _report_refused(self, refused: frozenset[str]) -> None:
        """Log each account newly refused for an unapplied address once, not at every tick."""
        for account_id in sorted(refused - self._refused):
            log.warning(
                "account %s: not publishing, its base_url in config.toml differs from the applied one; "
                "see `smtool config apply --dry-run`",
                account_id,
            )
        self._refused = refused

    # --- a batch --------------------------------------------------------------------------------

    def publish_due(self, limit: int | None = None) -> Counter[str]:
        """Publish due rows, a batch at a time, until none is left (or `limit`); returns a count per
        outcome."""
        outcomes: Counter[str] = Counter()
        self.seal_key()
        # Accounts whose address in config.toml is not the applied one wait, scheduled, until
        # `config apply`: their connector would refuse to send the token anywhere (Context.platform_address).
        refused = self.ctx.unapplied_addresses()
        self._report_refused(refused)
        # While one batch's calls are under way the next batch is claimed and committed as
        # `sending`: the database's commit and the platform's answers overlap. Its calls start only
        # once the batch before has answered, so an account's posts still go out in due order, and
        # an account refused in one batch sends nothing in the next (`stopped`).
        stopped: dict[str, Stop] = {}
        # Account rows, read once per pass: a connector is built from one (ConnectorCache keys on its
        # token), and the claim itself re-checks token status and rate limits in SQL at every batch.
        accounts: dict[str, Account] = {}
        batch = self._claim_batch(self._size(limit, outcomes), refused, accounts)
        while batch is not None:
            settled, sends = batch
            outcomes.update(settled)
            sending = self._pool.start(sends, self._send, self.ctx.clock, stopped)
            claimed = outcomes.total() + len(sends)
            more = limit is None or claimed < limit
            size = self._size(limit, outcomes, len(sends))
            batch = self._claim_batch(size, refused, accounts) if more else None
            results = sending.results()
            stopped.update(stops(results))
            with self.ctx.db.write() as session:
                recorded = record(session, results, me=self.me, now=self.ctx.clock(), backoff=self.backoff)
            for account_id in recorded.needs_reauth:
                self.connectors.forget(account_id)
            outcomes.update(recorded.outcomes)
            if batch is None and "returned" in recorded.outcomes and self._size(limit, outcomes):
                # Rows given back unsent (their lease ran short while earlier ones were sent) are
                # due again: the pass ends only when nothing is.
                batch = self._claim_batch(self._size(limit, outcomes), refused, accounts)
        return outcomes

    def _size(self, limit: int | None, outcomes: Counter[str], in_flight: int = 0) -> int:
        """The next batch's size: the setting, or what is left of `limit`."""
        if limit is None:
            return self.settings.batch_size
        return max(min(self.settings.batch_size, limit - outcomes.total() - in_flight), 0)

    def _claim_batch(
        self, size: int, refused: frozenset[str], accounts: dict[str, Account]
    ) -> tuple[Counter[str], list[Send]] | None:
        """Claim up to `size` due rows and, in the same transaction, expire those past their window,
        hold those whose seal does not match and commit the rest as `sending`: nothing is sent that is
        not committed as `sending` first. Returns what became of each row that was not sent (a
        counter) and the sends; None when nothing was due. `accounts` caches account rows for the
        pass (those missing are read here)."""
        settled: Counter[str] = Counter()
        lease = timedelta(seconds=self.settings.lease_seconds)
        with self.ctx.db.write() as session:
            connection = session.connection()
            now = self.ctx.clock()
            ids = claim(connection, self.me, now, lease, refused, size)
            if not ids:
                return None
            ready: list[Claimed] = []
            for row in claimed_rows(connection, ids):
                stopped = self._stop(session, row, now)
                if stopped is None:
                    ready.append(row)
                else:
                    settled[stopped] += 1
            # `sending` is committed before the calls: after a crash the sweeper knows the requests
            # may have left, and nobody resends them blindly. The claim commits with it, so one
            # audit line per row records both.
            moved = mark_sending(connection, [r.id for r in ready], self.me, now, lease)
            if len(moved) < len(ready):
                settled["lost"] += len(ready) - len(moved)
                ready = [r for r in ready if r.id in moved]
            if ready:
                payloads = [(r.id, {"worker": self.me, "attempt": r.attempt}) for r in ready]
                sending = [audit.Event("publication.sending", "publication", i, p) for i, p in payloads]
                audit.append_many(session, WORKER, sending)
            missing = {r.account_id for r in ready} - accounts.keys()
            if missing:
                accounts.update(accounts_by_id(connection, sorted(missing)))
            # A call that starts by then ends (answers or times out) before the lease does, as
            # with one row per transaction; at least half the lease however short it is set.
            timeout = timedelta(seconds=self.settings.request_timeout_seconds)
            start_by = now + max(lease / 2, lease - timeout)
            sends = [
                Send(r.id, accounts[r.account_id], r.text, r.media, self._answered(session, r), start_by)
                for r in ready
            ]
        return settled, sends

    def _stop(self, session: Session, row: Claimed, now: datetime) -> str | None:
        """None when the claimed row may be sent; else what became of it: expired past its window,
        held when its seal does not match (or "lost" when the row moved meanwhile)."""
        if row.not_after and now > row.not_after:
            return S.EXPIRED.value if self._expire_claimed(session, row.id) else "lost"
        fields = fields_of(
            publication_id=row.id,
            post_id=row.post_id,
            approval_id=row.approval_id,
            approver=row.approver,
            account_id=row.account_id,
            text=row.text,
            media=row.media,
            reply_to_item_id=row.reply_to_item_id,
            reply_to_remote_id=row.reply_to_remote_id,
            not_after=row.not_after,
        )
        # The seal binds the media by their SHA-256; `_outgoing` reads them from the store and checks
        # the bytes against it, so the bytes sent are those approved.
        check = check_sealed(self.seal_key(), row.seal, fields, approval_standing=row.approval_standing)
        if check.ok:
            return None
        return S.HELD.value if self._hold(session, row.id, check) else "lost"

    @staticmethod
    def _answered(session: Session, row: Claimed) -> IncomingItem | None:
        """The inbox item a moderation reply answers on its own account (rare: read through the ORM)."""
        if row.reply_to_item_id is None:
            return None
        item = session.get(InboxItem, row.reply_to_item_id)
        assert item is not None
        return incoming_item(item)

    def _outgoing(self, send: Send) -> OutgoingPost:
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

    def _send(self, send: Send) -> SendResult:
        """One platform call, outside any transaction (on a send thread); every error becomes the
        result the retry policy reads."""
        publication_id, account_id = send.publication_id, send.account.id
        try:
            outgoing = self._outgoing(send)
            connector = self.connector(send.account)
            if send.answered is not None:
                ref = connector.reply(send.answered, outgoing.text)
            else:
                ref = connector.publish(outgoing)
        except ConnectorError as error:
            return SendResult(publication_id, account_id, error=error)
        except UnappliedAddress as error:
            # config.toml changed after the claim: nothing left, and the token is fine, so the row
            # waits as after an outage rather than asking for a new token.
            return SendResult(publication_id, account_id, error=Transient(error.msg))
        except SmtoolError as error:  # no token, a key that cannot decrypt it: a person must act
            return SendResult(publication_id, account_id, error=AuthExpired(error.msg))
        except Exception as error:  # an unexpected answer after the request may have left
            return SendResult(publication_id, account_id, error=UnknownOutcome(repr(error)))
        return SendResult(publication_id, account_id, ref=ref)

    def _hold(self, session: Session, publication_id: int, check: SealCheck) -> bool:
        """Never send it: `held`, audited with what differs, and an alert for a person."""
        now = self.ctx.clock()
        publication = session.get(Publication, publication_id)
        assert publication is not None
        post = session.get(Post, publication.post_id)
        account = session.get(Account, publication.account_id)
        assert post is not None and account is not None
        approval = session.get(Approval, publication.approval_id)
        # The post row against its approval's hash: whether the post was changed too, or only the
        # outbox row (an insider's edit that skipped the post).
        current = content_hash(post.text, post.variants, post.media, targets(session, publication.post_id))
        if not _transition(
            session,
            publication_id,
            now=now,
            from_states=(S.CLAIMED,),
            me=self.me,
            action="publication.seal_mismatch",
            payload={
                "publication": publication_id,
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

    def _expire_claimed(self, session: Session, publication_id: int) -> bool:
        publication = session.get(Publication, publication_id)
        assert publication is not None
        post = session.get(Post, publication.post_id)
        assert post is not None
        return self._expire(session, publication, post)

    @staticmethod
    def _published_side_effects(session: Session, publication_id: int, at: datetime, now: datetime) -> None:
        publication = session.get(Publication, publication_id)
        assert publication is not None
        if publication.reply_to_item_id is not None:
            record_reply_published(session, publication.reply_to_item_id, at)
        complete_posts(session.connection(), {publication.post_id}, now)

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


def _same_text(a: str, b: str) -> bool:
    return collapse_spaces(a) == collapse_spaces(b)
