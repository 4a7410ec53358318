"""Read models for lists and detail views (CLI, TUI): typed dicts ready for JSON.

Each view's keys are in the order `--json` prints them; scripts read that output.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import and_, or_
from sqlmodel import col, select

from smtool.domain.media import MediaEntry, size_text
from smtool.domain.states import PostState, PublicationState
from smtool.domain.timezones import format_local, to_local
from smtool.errors import NotFound
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.paging import (
    DEFAULT_LIMIT,
    Page,
    check_limit,
    cut,
    instant_key,
    instant_of,
    one_of,
    parse_cursor,
)
from smtool.services.publishing.checks import PostFinding, findings_for
from smtool.services.publishing.posts import targets
from smtool.store.tables import Approval, Post, Publication, Waiver


class MediaView(TypedDict):
    """One media item as approvers see it. `in_store` is false for a post from before the media
    store: then `name` is the path it recorded and the other fields are None (it cannot be sent)."""

    name: str
    type: str | None
    size: int | None
    alt: str | None
    sha256: str | None
    width: int | None
    height: int | None
    in_store: bool


def media_view(entry: MediaEntry | str) -> MediaView:
    if isinstance(entry, str):
        return {
            "name": entry,
            "type": None,
            "size": None,
            "alt": None,
            "sha256": None,
            "width": None,
            "height": None,
            "in_store": False,
        }
    return {**entry, "in_store": True}


def describe_media(view: MediaView) -> str:
    """One line an approver reads: name, type, size, pixels, short hash and alt text (plain text;
    the name and alt text are a person's input, so callers show it inert)."""
    if not view["in_store"]:
        return _("{name}: not in the media store; cannot be sent until attached again").format(
            name=view["name"]
        )
    parts = [view["name"], view["type"] or "", size_text(view["size"] or 0)]
    if view["width"] and view["height"]:
        parts.append(f"{view['width']}x{view['height']} px")
    parts.append(f"sha256 {(view['sha256'] or '')[:12]}")
    parts.append(_("alt: {alt}").format(alt=view["alt"]) if view["alt"] else _("no alt text"))
    return " · ".join(parts)


def kept_media(view: MediaView) -> MediaEntry | str:
    """The post's own media entry back from its view: what an edit that keeps the media passes."""
    if not view["in_store"] or view["sha256"] is None:
        return view["name"]
    return {
        "sha256": view["sha256"],
        "name": view["name"],
        "type": view["type"] or "",
        "size": view["size"] or 0,
        "alt": view["alt"],
        "width": view["width"],
        "height": view["height"],
    }


class PostView(TypedDict):
    """A post as lists show it; times are ISO 8601 in UTC, `scheduled_local*` in the institution's zone."""

    id: int
    author: str
    state: str
    text: str
    variants: dict[str, str]
    accounts: list[str]
    scheduled_at: str | None
    scheduled_local: str
    scheduled_local_input: str | None
    campaigns: list[str]
    media: list[MediaView]
    version: int
    content_hash: str


class ApprovalView(TypedDict):
    """A decision on a post: `decision` is approved or rejected; `voided` once the post changed."""

    approver: str
    decision: str
    comment: str | None
    at: str
    voided: bool


class WaiverView(TypedDict):
    """An approver's waiver of one finding (rule and match hash) with the reason."""

    rule: str
    match_hash: str
    reason: str
    approver: str


class PublicationView(TypedDict):
    """One publication of a post on one account (the outbox row)."""

    id: int
    post_id: int
    account: str
    state: str
    due_at: str
    not_after: str | None
    attempt: int
    remote_id: str | None
    claimed_by: str | None
    last_error: str | None
    published_at: str | None


class PostDetail(PostView):
    """Everything about one post, as `show_post` returns it."""

    findings: list[PostFinding]
    approvals: list[ApprovalView]
    waivers: list[WaiverView]
    publications: list[PublicationView]


def _post_dict(ctx: Context, post: Post, accounts: list[str]) -> PostView:
    assert post.id is not None  # a post read from the store
    zone = ctx.settings.institution.timezone
    return {
        "id": post.id,
        "author": post.author,
        "state": post.state,
        "text": post.text,
        "variants": post.variants,
        "accounts": accounts,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "scheduled_local": format_local(post.scheduled_at, zone)
        if post.scheduled_at
        else "as soon as approved",
        # The same moment as a person types it (`--at`), so an edit can keep the schedule.
        "scheduled_local_input": to_local(post.scheduled_at, zone).strftime("%Y-%m-%d %H:%M")
        if post.scheduled_at
        else None,
        "campaigns": post.campaigns,
        "media": [media_view(m) for m in post.media],
        "version": post.version,
        "content_hash": post.content_hash,
    }


def list_posts(ctx: Context, state: str | None = None, limit: int = 200) -> list[PostView]:
    """The newest posts first, at most `limit`, in one state or any (the first page of `post_page`)."""
    return post_page(ctx, state=state, limit=limit).items


def post_page(
    ctx: Context, *, state: str | None = None, limit: int = DEFAULT_LIMIT, after: str | None = None
) -> Page[PostView]:
    """One page of posts, newest first, in one state or any; the cursor is the last post's id.

    Raises UsageError for an unknown state, a limit below 1 or a cursor no page printed.
    """
    one_of(state, list(PostState), "state")
    check_limit(limit)
    position = parse_cursor(after, 1)
    with ctx.db.read() as session:
        query = select(Post).order_by(col(Post.id).desc()).limit(limit + 1)
        if state:
            query = query.where(Post.state == state)
        if position:
            query = query.where(col(Post.id) < position[0])
        rows = [_post_dict(ctx, p, targets(session, p.id or 0)) for p in session.exec(query).all()]
    return cut(rows, limit, lambda p: str(p["id"]))


def show_post(ctx: Context, post_id: int) -> PostDetail:
    """Everything about one post: content, findings, approvals, waivers, publications.

    Raises NotFound for a post that does not exist.
    """
    with ctx.db.read() as session:
        post = session.get(Post, post_id)
        if post is None:
            raise NotFound(_("no post {post}; see `smtool post list`").format(post=post_id))
        return {
            **_post_dict(ctx, post, targets(session, post_id)),
            "findings": findings_for(ctx, session, post),
            "approvals": [
                {
                    "approver": a.approver,
                    "decision": a.decision,
                    "comment": a.comment,
                    "at": a.created_at.isoformat(),
                    "voided": a.voided_at is not None,
                }
                for a in session.exec(select(Approval).where(Approval.post_id == post_id)).all()
            ],
            "waivers": [
                {"rule": w.rule, "match_hash": w.match_hash, "reason": w.reason, "approver": w.approver}
                for w in session.exec(select(Waiver).where(Waiver.post_id == post_id)).all()
            ],
            "publications": [
                publication_dict(p)
                for p in session.exec(select(Publication).where(Publication.post_id == post_id)).all()
            ],
        }


def publication_dict(p: Publication) -> PublicationView:
    """The publication as `smtool publications list` and `post show` print it."""
    assert p.id is not None  # a publication read from the store
    return {
        "id": p.id,
        "post_id": p.post_id,
        "account": p.account_id,
        "state": p.state,
        "due_at": p.due_at.isoformat(),
        "not_after": p.not_after.isoformat() if p.not_after else None,
        "attempt": p.attempt,
        "remote_id": p.remote_id,
        "claimed_by": p.claimed_by,
        "last_error": p.last_error,
        "published_at": p.published_at.isoformat() if p.published_at else None,
    }


def list_publications(ctx: Context, state: str | None = None, limit: int = 500) -> list[PublicationView]:
    """Publications, latest due first, at most `limit`, in one state or any (the first page of
    `publication_page`)."""
    return publication_page(ctx, state=state, limit=limit).items


def publication_page(
    ctx: Context, *, state: str | None = None, limit: int = DEFAULT_LIMIT, after: str | None = None
) -> Page[PublicationView]:
    """One page of publications, latest due first, in one state or any. The cursor holds the last
    row's due time (microseconds since 1970) and id: the order's own key, so a page starts exactly
    after the previous one.

    Raises UsageError for an unknown state, a limit below 1 or a cursor no page printed.
    """
    one_of(state, list(PublicationState), "state")
    check_limit(limit)
    position = parse_cursor(after, 2)
    with ctx.db.read() as session:
        query = (
            select(Publication)
            .order_by(col(Publication.due_at).desc(), col(Publication.id).desc())
            .limit(limit + 1)
        )
        if state:
            query = query.where(Publication.state == state)
        if position:
            due, last = instant_of(position[0]), position[1]
            query = query.where(
                or_(
                    col(Publication.due_at) < due,
                    and_(col(Publication.due_at) == due, col(Publication.id) < last),
                )
            )
        rows = session.exec(query).all()
        page = cut(rows, limit, lambda p: f"{instant_key(p.due_at)}:{p.id}")
        return Page([publication_dict(p) for p in page.items], page.next_cursor)
