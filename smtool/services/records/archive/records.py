"""The records an archive holds, read in batches so that an archive of any size is streamed.

Each record is a JSON-ready body (its row's columns as pydantic writes them, with what belongs to
it; the body types below are the record files' format) plus what the register says of it. Which
records belong to a period: a post when one of its publications was published in it; an approval,
an inbox item and a moderation action by the moment they were made (inbox items hidden or not:
hiding never deletes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, TypeVar, cast

from sqlmodel import Session, SQLModel, col, select

from smtool.domain.media import MediaEntry
from smtool.domain.text import collapse_spaces
from smtool.services.context import Context
from smtool.services.monitoring.views import InboxItemView, item_view
from smtool.store.tables import (
    Account,
    Approval,
    AuditEvent,
    InboxItem,
    ModerationAction,
    Post,
    PostTarget,
    Publication,
    Waiver,
)

BATCH = 500
KINDS = ("post", "approval", "inbox_item", "moderation_action")

# Times are ISO 8601 in UTC as pydantic writes them ("...Z"), except where InboxItemView says.


class ApprovalBody(TypedDict):
    id: int
    post_id: int
    approver: str
    decision: str
    comment: str | None
    content_hash: str
    created_at: str
    voided_at: str | None


class WaiverBody(TypedDict):
    id: int
    post_id: int
    rule: str
    match_hash: str
    reason: str
    approver: str
    expires_at: str | None
    created_at: str


class PublicationColumns(TypedDict):
    """A post's publication on one account, with the platform's raw response to publishing it."""

    id: int
    post_id: int
    approval_id: int
    account_id: str
    reply_to_item_id: int | None
    text: str
    state: str
    due_at: str
    not_after: str | None
    claimed_by: str | None
    lease_until: str | None
    attempt: int
    remote_id: str | None
    # The platform's own JSON: its shape is the platform's and its API version's.
    raw_response: dict[str, Any] | None
    last_error: str | None
    sent_at: str | None
    published_at: str | None
    version: int
    created_at: str
    updated_at: str


class PublicationBody(PublicationColumns):
    platform: str | None


class PostColumns(TypedDict):
    id: int
    author: str
    text: str
    variants: dict[str, str]
    # Media store entries (or a path, before the store); the archive's record file says what
    # became of each (export.ArchivedMedia).
    media: list[MediaEntry | str]
    campaigns: list[str]
    state: str
    scheduled_at: str | None
    not_after: str | None
    content_hash: str
    version: int
    created_at: str
    updated_at: str


class PostBody(PostColumns):
    """A post with its targets, every approval and waiver, and its publications."""

    accounts: list[str]
    approvals: list[ApprovalBody]
    waivers: list[WaiverBody]
    publications: list[PublicationBody]


class InboxItemBody(InboxItemView):
    """The item as scripts read it, with the columns the view leaves out."""

    account_id: str
    fetched_at: str
    # The platform's JSON as stored (a NUL there is U+FFFD): each platform shapes it.
    raw: dict[str, Any]


class ModerationActionBody(TypedDict):
    id: int
    item_id: int
    actor: str
    action: str
    reason: str | None
    # What the action records (target, publication, ...): each action its own.
    detail: dict[str, Any]
    at: str


class AuditEventBody(TypedDict):
    """One audit log row with its chain hashes; `payload` is the canonical JSON that was hashed."""

    id: int
    at: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    payload: str
    prev_hash: str
    hash: str


RecordBody = PostBody | ApprovalBody | InboxItemBody | ModerationActionBody
Body = TypeVar(
    "Body", PostColumns, ApprovalBody, WaiverBody, PublicationColumns, ModerationActionBody, AuditEventBody
)


def _dumped(row: SQLModel, body: type[Body]) -> Body:
    # The row's columns as pydantic writes them (its forms of times, JSON columns as they are);
    # tests/services/test_archive.py holds each body type to the columns a record file has.
    return cast("Body", row.model_dump(mode="json"))


@dataclass
class Record:
    kind: str
    id: int
    at: datetime
    body: RecordBody
    account: str = ""
    platform: str = ""
    remote_id: str = ""
    person: str = ""
    summary: str = ""
    related: str = ""
    media: list[MediaEntry | str] = field(default_factory=list)
    """Media the record refers to (posts); the archive copies them from the media store."""

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.id}"


def records(ctx: Context, start: datetime, end: datetime) -> Iterator[Record]:
    """Every record of [start, end), kind by kind, each kind in id order."""
    yield from _posts(ctx, start, end)
    yield from _by_id(ctx, Approval, col(Approval.created_at), start, end, _approval)
    yield from _by_id(ctx, InboxItem, col(InboxItem.created_at), start, end, _inbox_item)
    yield from _by_id(ctx, ModerationAction, col(ModerationAction.at), start, end, _moderation_action)


def audit_events(ctx: Context, start: datetime, end: datetime) -> Iterator[AuditEventBody]:
    """The audit log's rows of [start, end) in chain order, with their hashes: an archivist can
    check that each row's previous-hash is the hash of the row before it."""
    last = 0
    while True:
        with ctx.db.read() as session:
            rows = session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.at) >= start, col(AuditEvent.at) < end, col(AuditEvent.id) > last)
                .order_by(col(AuditEvent.id))
                .limit(BATCH)
            ).all()
        if not rows:
            return
        last = rows[-1].id or last
        yield from (_dumped(row, AuditEventBody) for row in rows)


def _summary(text: str | None) -> str:
    return collapse_spaces(text or "")[:100]


def _by_id(
    ctx: Context, model: Any, moment: Any, start: datetime, end: datetime, build: Any
) -> Iterator[Record]:
    last = 0
    while True:
        with ctx.db.read() as session:
            rows = session.exec(
                select(model)
                .where(moment >= start, moment < end, col(model.id) > last)
                .order_by(col(model.id))
                .limit(BATCH)
            ).all()
            built = [build(session, row) for row in rows]
        if not rows:
            return
        last = rows[-1].id
        yield from built


def _approval(_session: Session, row: Approval) -> Record:
    assert row.id is not None
    return Record(
        "approval",
        row.id,
        row.created_at,
        _dumped(row, ApprovalBody),
        person=row.approver,
        summary=f"{row.decision} post {row.post_id}" + (f": {_summary(row.comment)}" if row.comment else ""),
        related=f"post-{row.post_id}",
    )


def _inbox_item(_session: Session, row: InboxItem) -> Record:
    assert row.id is not None
    # item_view gives the exact text, name and handle (NUL restored); the raw payload is the
    # platform's JSON as stored (a NUL there is U+FFFD, see services.text).
    # Not `escaped`: it says how the columns were stored, and the view's texts are the exact ones.
    columns = row.model_dump(mode="json", exclude={"escaped"})
    body = cast("InboxItemBody", {**columns, **item_view(row), "raw": row.raw})
    return Record(
        "inbox_item",
        row.id,
        row.created_at,
        body,
        account=row.account_id,
        platform=row.platform,
        remote_id=row.remote_id,
        person=body["author"] or "",
        summary=("[hidden] " if row.hidden else "") + _summary(body["text"]),
    )


def _moderation_action(_session: Session, row: ModerationAction) -> Record:
    assert row.id is not None
    return Record(
        "moderation_action",
        row.id,
        row.at,
        _dumped(row, ModerationActionBody),
        person=row.actor,
        summary=row.action + (f": {_summary(row.reason)}" if row.reason else ""),
        related=f"inbox_item-{row.item_id}",
    )


def _posts(ctx: Context, start: datetime, end: datetime) -> Iterator[Record]:
    last = 0
    while True:
        with ctx.db.read() as session:
            ids = session.exec(
                select(Publication.post_id)
                .where(
                    Publication.state == "published",
                    col(Publication.published_at) >= start,
                    col(Publication.published_at) < end,
                    col(Publication.post_id) > last,
                )
                .group_by(col(Publication.post_id))
                .order_by(col(Publication.post_id))
                .limit(BATCH)
            ).all()
            built = [_post(session, post_id) for post_id in ids]
        if not ids:
            return
        last = ids[-1]
        yield from built


def _post(session: Session, post_id: int) -> Record:
    post = session.get(Post, post_id)
    assert post is not None
    publications = session.exec(
        select(Publication).where(Publication.post_id == post_id).order_by(col(Publication.id))
    ).all()
    accounts = list(session.exec(select(PostTarget.account_id).where(PostTarget.post_id == post_id)).all())
    platforms = {a.id: a.platform for a in session.exec(select(Account).where(col(Account.id).in_(accounts)))}
    approvals = session.exec(
        select(Approval).where(Approval.post_id == post_id).order_by(col(Approval.id))
    ).all()
    waivers = session.exec(select(Waiver).where(Waiver.post_id == post_id).order_by(col(Waiver.id))).all()
    published = [p for p in publications if p.state == "published" and p.published_at]
    body: PostBody = {
        **_dumped(post, PostColumns),
        "accounts": sorted(accounts),
        # In full: an approval made before the period has no record of its own in this archive.
        "approvals": [_dumped(a, ApprovalBody) for a in approvals],
        "waivers": [_dumped(w, WaiverBody) for w in waivers],
        # Each with the platform's raw response to the publishing call.
        "publications": [
            {**_dumped(p, PublicationColumns), "platform": platforms.get(p.account_id)} for p in publications
        ],
    }
    first = min(published, key=lambda p: p.published_at or post.created_at)
    return Record(
        "post",
        post_id,
        first.published_at or post.created_at,
        body,
        account=";".join(sorted({p.account_id for p in published})),
        platform=";".join(sorted({platforms.get(p.account_id, "") for p in published})),
        remote_id=";".join(p.remote_id or "" for p in published),
        person=post.author,
        summary=_summary(post.text),
        media=list(post.media),
    )
