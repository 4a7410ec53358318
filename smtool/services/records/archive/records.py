"""The records an archive holds, read in batches so that an archive of any size is streamed.

Each record is a JSON-ready dict plus what the register says of it. Which records belong to a
period: a post when one of its publications was published in it; an approval, an inbox item and a
moderation action by the moment they were made (inbox items hidden or not: hiding never deletes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from smtool.domain.text import collapse_spaces
from smtool.services.context import Context
from smtool.services.monitoring.views import item_view
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


@dataclass
class Record:
    kind: str
    id: int
    at: datetime
    body: dict[str, Any]
    account: str = ""
    platform: str = ""
    remote_id: str = ""
    person: str = ""
    summary: str = ""
    related: str = ""
    media: list[str] = field(default_factory=list)
    """Paths of media files the record refers to (posts); the archive copies them."""

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.id}"


def records(ctx: Context, start: datetime, end: datetime) -> Iterator[Record]:
    """Every record of [start, end), kind by kind, each kind in id order."""
    yield from _posts(ctx, start, end)
    yield from _by_id(ctx, Approval, col(Approval.created_at), start, end, _approval)
    yield from _by_id(ctx, InboxItem, col(InboxItem.created_at), start, end, _inbox_item)
    yield from _by_id(ctx, ModerationAction, col(ModerationAction.at), start, end, _moderation_action)


def audit_events(ctx: Context, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
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
        yield from (row.model_dump(mode="json") for row in rows)


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
        row.model_dump(mode="json"),
        person=row.approver,
        summary=f"{row.decision} post {row.post_id}" + (f": {_summary(row.comment)}" if row.comment else ""),
        related=f"post-{row.post_id}",
    )


def _inbox_item(_session: Session, row: InboxItem) -> Record:
    assert row.id is not None
    # item_view gives the exact text, name and handle (NUL restored); the raw payload is the
    # platform's JSON as stored (a NUL there is U+FFFD, see services.text).
    body = {**row.model_dump(mode="json"), **item_view(row), "raw": row.raw}
    body.pop("escaped", None)
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
        row.model_dump(mode="json"),
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
    body = {
        **post.model_dump(mode="json"),
        "accounts": sorted(accounts),
        # In full: an approval made before the period has no record of its own in this archive.
        "approvals": [a.model_dump(mode="json") for a in approvals],
        "waivers": [w.model_dump(mode="json") for w in waivers],
        # Each with the platform's raw response to the publishing call.
        "publications": [
            {**p.model_dump(mode="json"), "platform": platforms.get(p.account_id)} for p in publications
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
