"""Post rows as every publishing step reads and changes them.

The content hash an approval is bound to, a post's targets and per-platform text, the optimistic
version bump, and the two things any change of an approved post does: void its approvals and cancel
the publications that have not started.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from smtool.domain.media import MediaEntry
from smtool.domain.states import PENDING_PUBLICATION_STATES, PostState, PublicationState
from smtool.errors import Conflict, NotFound
from smtool.i18n import _
from smtool.services.records.audit import canonical_json
from smtool.store.tables import Approval, Post, PostTarget, Publication


def content_hash(
    text: str, variants: dict[str, str], media: Sequence[MediaEntry | str], accounts: Sequence[str]
) -> str:
    """The fingerprint an approval is bound to: text, variants, media bytes and target accounts.

    Media count by their SHA-256 in the media store (and their alt text, which is published with
    them), so other bytes are another post; nothing is read from disk here. A plain path (a post
    from before the store) counts as that path: it is never sent (services.media).
    """
    media_items: list[object] = [
        f"path:{m}" if isinstance(m, str) else {"sha256": m["sha256"], "alt": m["alt"]} for m in media
    ]
    body = canonical_json(
        {
            "text": text,
            "variants": variants,
            "media": media_items,
            "accounts": sorted(set(accounts)),
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def text_for(post: Post, platform: str) -> str:
    return post.variants.get(platform, post.text)


def load_post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(_("no post {post}; see `smtool post list`").format(post=post_id))
    return post


def targets(session: Session, post_id: int) -> list[str]:
    rows = session.exec(select(PostTarget.account_id).where(PostTarget.post_id == post_id)).all()
    return sorted(rows)


def bump(
    session: Session, post: Post, state: PostState, expected_version: int | None, *, now: datetime
) -> None:
    """Optimistic check: the row changes only if nobody changed it since the caller read it."""
    if expected_version is not None and expected_version != post.version:
        raise Conflict(
            _(
                "post {post} was changed by someone else (version {version}, you had {expected}); "
                "reload it and try again"
            ).format(post=post.id, version=post.version, expected=expected_version)
        )
    post.state = state
    post.version += 1
    post.updated_at = now
    session.add(post)


def cancel_pending(session: Session, post_id: int, *, now: datetime) -> list[int]:
    rows = session.exec(
        select(Publication).where(
            Publication.post_id == post_id,
            col(Publication.state).in_([s.value for s in PENDING_PUBLICATION_STATES]),
        )
    ).all()
    for row in rows:
        row.state = PublicationState.CANCELLED
        row.version += 1
        row.updated_at = now
        session.add(row)
    return [row.id for row in rows if row.id is not None]


def void_approvals(session: Session, post_id: int, *, now: datetime) -> None:
    for approval in session.exec(
        select(Approval).where(Approval.post_id == post_id, col(Approval.voided_at).is_(None))
    ).all():
        approval.voided_at = now
        session.add(approval)
