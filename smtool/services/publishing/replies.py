"""Public replies to citizens: the institution speaking in a thread, through the same outbox as posts.

A reply is written as an approved post with one publication on the item's own account; when the worker
has sent it, the item's first response is recorded. The moderation queue decides who may reply (see
services.monitoring.queue); this module only writes and settles the outbox rows, so the outbox never
needs to know the queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from smtool.i18n import _
from smtool.services.publishing.posts import content_hash
from smtool.services.publishing.seals import seal
from smtool.store.tables import Approval, InboxItem, Post, PostTarget, Publication


def record_reply_published(session: Session, item_id: int, at: datetime) -> None:
    """The outbox sent a reply: the item's first response happened (kept if already set)."""
    item = session.get(InboxItem, item_id)
    if item is not None and item.first_response_at is None:
        item.first_response_at = at
        session.add(item)


def queue_reply(
    session: Session,
    *,
    actor: str,
    item_id: int,
    account_id: str,
    text: str,
    now: datetime,
    window: timedelta,
) -> tuple[int, int]:
    """Write a reply to inbox item `item_id` into the outbox, due now; returns (post id, publication id).

    The caller has checked who may reply and that the checker finds no blocking error: the approval
    row records that decision in the replying person's name, bound to the exact text.
    """
    digest = content_hash(text, {}, [], [account_id])
    post = Post(author=actor, text=text, state="approved", content_hash=digest)
    session.add(post)
    session.flush()
    assert post.id is not None
    session.add(PostTarget(post_id=post.id, account_id=account_id))
    approval = Approval(
        post_id=post.id,
        approver=actor,
        decision="approved",
        comment=_("reply to inbox item {item} (moderation reply, no unwaived checker error)").format(
            item=item_id
        ),
        content_hash=digest,
    )
    session.add(approval)
    session.flush()
    assert approval.id is not None
    publication = Publication(
        post_id=post.id,
        approval_id=approval.id,
        account_id=account_id,
        reply_to_item_id=item_id,
        text=text,
        due_at=now,
        not_after=now + window,
    )
    session.add(publication)
    session.flush()
    assert publication.id is not None
    seal(session, publication)  # the worker sends only what this decision signed
    return post.id, publication.id
