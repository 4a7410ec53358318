"""The tables. Names follow the users' words: post, approval, publication, inbox item, waiver.

Times are aware UTC (UTCDateTime). Every row that people act on together carries a `version` for
optimistic checks (`UPDATE ... WHERE id=? AND version=?`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import configure_mappers
from sqlmodel import Field, SQLModel

from smtool.domain.media import MediaEntry
from smtool.store.types import JSONType, UTCDateTime, utcnow


def _json(default: Any = None) -> Any:
    factory = (lambda: list(default)) if isinstance(default, list) else (lambda: dict(default or {}))
    return Field(default_factory=factory, sa_type=JSONType, nullable=False)


class User(SQLModel, table=True):
    """A person: seeded from config.toml's [[users]] at init, changed by `smtool config apply`."""

    __tablename__ = "users"
    name: str = Field(primary_key=True, max_length=64)
    display_name: str | None = Field(default=None, max_length=200)
    roles: list[str] = _json([])
    team: str | None = Field(default=None, max_length=64, index=True)
    active: bool = Field(default=True)
    # The whole [[users]] entry last applied (services.installation.directory); the columns above
    # repeat what queries filter on.
    entry: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Account(SQLModel, table=True):
    """A managed social media account; the token is stored only encrypted."""

    __tablename__ = "accounts"
    id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(max_length=32)
    handle: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    remote_id: str | None = Field(default=None, max_length=64)
    base_url: str | None = Field(default=None, max_length=500)
    token_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    token_status: str = Field(default="missing", max_length=32)  # missing | ok | needs_reauth
    token_set_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # OAuth (services.installation.tokens): the refresh token (encrypted like the access token),
    # when the access token expires (None: never), what it may do and whom the platform said it
    # speaks for; why it needs a person when it does.
    refresh_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    token_scopes: list[str] = _json([])
    token_handle: str | None = Field(default=None, max_length=200)
    token_refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the platform stops giving data to the app (Graph's data_access_expires_at).
    token_access_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    token_problem: str | None = Field(default=None, sa_type=Text)
    # One refresh at a time, across processes and machines: a worker takes the lease by
    # compare-and-swap on token_generation, which every change of the token pair increments.
    token_generation: int = Field(default=0)
    refresh_lease_by: str | None = Field(default=None, max_length=100)
    refresh_lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ingest_cursor: str | None = Field(default=None, max_length=500)
    rate_limited_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = Field(default=True)
    # The whole [[accounts]] entry last applied: spokespeople, self-approval, policies and the rest
    # (services.installation.directory). None only before `db upgrade` seeded it.
    entry: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AppCredential(SQLModel, table=True):
    """The installation's registered app on a platform (X client, Meta app); the secret encrypted."""

    __tablename__ = "app_credentials"
    platform: str = Field(primary_key=True, max_length=32)
    client_id: str = Field(max_length=200)
    secret_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Post(SQLModel, table=True):
    """What a communicator wrote: text, per-platform variants, media, targets and schedule."""

    __tablename__ = "posts"
    # The calendar reads posts awaiting approval by state and scheduled time (services.publishing.calendar).
    __table_args__ = (Index("ix_posts_state_scheduled", "state", "scheduled_at"),)
    id: int | None = Field(default=None, primary_key=True)
    author: str = Field(foreign_key="users.name", max_length=64, index=True)
    text: str = Field(sa_type=Text)
    variants: dict[str, str] = _json({})  # platform -> text replacing `text` there
    # Media store entries (services.media); a plain path string is a post from before the store.
    media: list[MediaEntry | str] = _json([])
    campaigns: list[str] = _json([])
    state: str = Field(default="draft", max_length=32, index=True)
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None: asap
    not_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content_hash: str = Field(max_length=64)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PostTarget(SQLModel, table=True):
    """An account a post is meant for."""

    __tablename__ = "post_targets"
    post_id: int = Field(foreign_key="posts.id", primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", primary_key=True, max_length=64)


class Approval(SQLModel, table=True):
    """A sign-off or rejection, bound to the hash of the exact content and targets."""

    __tablename__ = "approvals"
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    approver: str = Field(foreign_key="users.name", max_length=64)
    decision: str = Field(max_length=16)  # approved | rejected
    comment: str | None = Field(default=None, sa_type=Text)
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Waiver(SQLModel, table=True):
    """An approver's decision that one checker finding does not block this post."""

    __tablename__ = "waivers"
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    rule: str = Field(max_length=100)
    match_hash: str = Field(max_length=64)
    reason: str = Field(sa_type=Text)
    approver: str = Field(foreign_key="users.name", max_length=64)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Publication(SQLModel, table=True):
    """The outbox: one row per target account of an approval; the worker publishes it once."""

    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("approval_id", "account_id", name="uq_publication_approval_account"),
        # The outbox claim's WHERE state = 'scheduled' ... ORDER BY due_at, id LIMIT k is read in
        # index order: without id in the key PostgreSQL sorted every due row (40 ms with 10,000 due).
        Index("ix_publications_state_due_id", "state", "due_at", "id"),
        # Reports select published posts by publication time; the index covers what they read of
        # each row, so a year of posts is found without touching the table.
        Index("ix_publications_report", "published_at", "state", "reply_to_item_id", "account_id", "post_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    approval_id: int = Field(foreign_key="approvals.id")
    account_id: str = Field(foreign_key="accounts.id", max_length=64, index=True)
    reply_to_item_id: int | None = Field(default=None, foreign_key="inbox_items.id")
    text: str = Field(sa_type=Text)  # exactly what was approved for this account
    state: str = Field(default="scheduled", max_length=32)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    not_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempt: int = Field(default=0)
    remote_id: str | None = Field(default=None, max_length=100)
    raw_response: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InboxItem(SQLModel, table=True):
    """A citizen's comment or mention, kept exactly as the platform sent it, hidden or not."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("platform", "remote_id", name="uq_inbox_platform_remote"),
        Index("ix_inbox_queue", "state", "priority", "created_at"),
        # Keyset pages and claim-next walk these in (priority, id) order within a state or team.
        Index("ix_inbox_state_priority_id", "state", "priority", "id"),
        Index("ix_inbox_team_state_priority_id", "team", "state", "priority", "id"),
        Index("ix_inbox_assigned_state", "assigned_to", "state"),
        # The TUI shows an item's author's earlier items: one index range per author, newest first.
        Index("ix_inbox_author", "platform", "author_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    remote_id: str = Field(max_length=100)
    account_id: str = Field(foreign_key="accounts.id", max_length=64, index=True)
    kind: str = Field(max_length=32)  # mention | comment | reply | mention_elsewhere | alert
    author_id: str | None = Field(default=None, max_length=100)
    author_name: str | None = Field(default=None, sa_type=Text)
    author_handle: str | None = Field(default=None, sa_type=Text)
    text: str = Field(sa_type=Text)
    parent_remote_id: str | None = Field(default=None, max_length=100)
    thread_remote_id: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    raw: dict[str, Any] = _json({})
    state: str = Field(default="new", max_length=32)
    priority: int = Field(default=0)
    flags: list[str] = _json([])
    team: str | None = Field(default=None, max_length=64)
    assigned_to: str | None = Field(default=None, max_length=64)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden: bool = Field(default=False)
    hidden_reason: str | None = Field(default=None, sa_type=Text)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    # PostgreSQL text cannot hold NUL: when a platform sent one, text, author_name and author_handle
    # are stored backslash-escaped (see smtool.services.monitoring.ingest.escape_nul) and this is true.
    escaped: bool = Field(default=False)
    response_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """First-response target in the institution's working hours (domain.working_time)."""


class MetricSnapshot(SQLModel, table=True):
    """Engagement figures of one published post at one moment."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (Index("ix_metric_publication_taken", "publication_id", "taken_at"),)
    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publications.id")
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    impressions: int | None = None
    likes: int | None = None
    replies: int | None = None
    shares: int | None = None
    clicks: int | None = None
    quotes: int | None = None
    bookmarks: int | None = None
    raw: dict[str, Any] = _json({})


class AuditEvent(SQLModel, table=True):
    """One line of the append-only, hash-chained audit log."""

    __tablename__ = "audit_events"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=100, index=True)
    subject_type: str = Field(max_length=64)
    subject_id: str = Field(max_length=100)
    payload: str = Field(sa_type=Text)  # canonical JSON, hashed exactly as stored
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class PublishingPause(SQLModel, table=True):
    """A crisis pause of all publishing (scope "*") or of one account."""

    __tablename__ = "publishing_pauses"
    scope: str = Field(primary_key=True, max_length=64)
    reason: str = Field(sa_type=Text)
    paused_by: str = Field(max_length=64)
    paused_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class IngestCursor(SQLModel, table=True):
    """Where the ingest poll of one account's stream stopped (incoming, a search term, own posts).

    Written in the same transaction as the items it covers, so a restart neither repeats nor skips.
    """

    __tablename__ = "ingest_cursors"
    account_id: str = Field(foreign_key="accounts.id", primary_key=True, max_length=64)
    stream: str = Field(primary_key=True, max_length=200)  # incoming | search:TERM | own_posts
    cursor: str | None = Field(default=None, sa_type=Text)
    # When a poll last stored items, moved the cursor or failed: a poll that finds nothing new
    # writes nothing (services.monitoring.ingest), so this is not the time of the last poll.
    polled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_error: str | None = Field(default=None, sa_type=Text)


class ModerationAction(SQLModel, table=True):
    """One thing a person (or the worker) did to an inbox item; kept as long as the item is
    (services.records.retention), and in the audit log for ever."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_item", "item_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="inbox_items.id")
    actor: str = Field(max_length=64)
    action: str = Field(
        max_length=32
    )  # claim | release | assign | reply | hide | unhide | resolve | spam | ...
    reason: str | None = Field(default=None, sa_type=Text)
    detail: dict[str, Any] = _json({})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReportRun(SQLModel, table=True):
    """One scheduled report for one period: claimed by a worker, then done (services.reports.schedule).

    The primary key makes "generate each once per period" hold across restarts and several workers.
    """

    __tablename__ = "report_runs"
    name: str = Field(primary_key=True, max_length=200)  # the schedule entry, e.g. engagement-weekly-html
    period_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    period_end: datetime = Field(sa_type=UTCDateTime, nullable=False)
    state: str = Field(default="generating", max_length=16)  # generating | done
    claimed_by: str = Field(max_length=200)
    claimed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    path: str | None = Field(default=None, sa_type=Text)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LegalHold(SQLModel, table=True):
    """A legal hold: the records it covers are never purged, whatever their retention, until lifted.

    `scope` is post | inbox_item | account | all; `subject_id` the post or item id, the account id,
    or "*". A lifted hold stays as a record of who held what and why.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_scope_subject", "scope", "subject_id"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)
    subject_id: str = Field(max_length=100)
    reason: str = Field(sa_type=Text)
    placed_by: str = Field(max_length=64)
    placed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    lifted_by: str | None = Field(default=None, max_length=64)
    lifted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserKey(SQLModel, table=True):
    """An SSH public key that proves who a person is when they connect (services.identity.keys).

    The fingerprint is unique across revoked keys too: a key belongs to one person, and a revoked
    key (perhaps lost or copied) is never accepted again. A revoked key stays as a record of who
    could act when.
    """

    __tablename__ = "user_keys"
    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(foreign_key="users.name", max_length=64, index=True)
    key_type: str = Field(max_length=64)  # ssh-ed25519 | ecdsa-sha2-nistp256/384/521 | ssh-rsa
    key_blob: str = Field(sa_type=Text)  # base64 of the key as OpenSSH sends it
    fingerprint: str = Field(max_length=100, unique=True)  # SHA256:... as ssh-keygen -lf prints it
    comment: str | None = Field(default=None, max_length=200)
    added_by: str = Field(max_length=64)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=64)


class ReplyProposal(SQLModel, table=True):
    """A public reply someone may write but not send (a specialist), waiting for a person the
    account's reply_roles allow (services.monitoring.proposals).

    `content_hash` is the SHA-256 of the exact text: the approver names it, so only the text they
    read goes out; a changed text is a new proposal (the older one becomes superseded).
    `checker_hash` fingerprints the checker's findings when proposed. state: proposed | approved |
    rejected | superseded; an approved one names the publication it became.
    """

    __tablename__ = "reply_proposals"
    __table_args__ = (
        Index("ix_reply_proposals_item", "item_id", "id"),
        Index("ix_reply_proposals_state", "state", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="inbox_items.id")
    account_id: str = Field(max_length=64)
    author: str = Field(max_length=64)
    text: str = Field(sa_type=Text)
    content_hash: str = Field(max_length=64)
    findings: list[str] = _json([])
    checker_hash: str = Field(max_length=64)
    state: str = Field(default="proposed", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    comment: str | None = Field(default=None, sa_type=Text)
    # No foreign key: retention may purge the reply post on its own schedule; the id stays a record.
    publication_id: int | None = None


class PublicationSeal(SQLModel, table=True):
    """A publication's seal: the installation's signature over exactly what it sends, written with
    it by the approval or reply (services.publishing.seals); the worker holds a publication whose
    seal is missing or does not match. A table of its own, not a column: the record of what was
    published (the archive's publication files) stays as it was, and a purged publication takes
    its seal with it."""

    __tablename__ = "publication_seals"
    publication_id: int = Field(foreign_key="publications.id", primary_key=True, ondelete="CASCADE")
    seal: str = Field(sa_type=Text)
    sealed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# The mappers are configured here, once, in whichever thread imports the tables. Otherwise the first
# ORM use configures them, and rows built without a session (Account.model_construct in the
# outbox's Core hot path) can be built in one thread while another configures: their attributes
# then have no implementation yet ("'NoneType' object has no attribute 'supports_population'").
configure_mappers()
