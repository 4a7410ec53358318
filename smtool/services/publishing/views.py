"""Read models for lists and detail views (CLI, TUI): plain dicts ready for JSON."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from smtool.domain.timezones import format_local, to_local
from smtool.errors import NotFound
from smtool.services.context import Context
from smtool.services.publishing.checks import findings_for
from smtool.services.publishing.posts import targets
from smtool.store.tables import Approval, Post, Publication, Waiver


def _post_dict(ctx: Context, post: Post, accounts: list[str]) -> dict[str, Any]:
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
        "media": post.media,
        "version": post.version,
        "content_hash": post.content_hash,
    }


def list_posts(ctx: Context, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        query = select(Post).order_by(col(Post.id).desc()).limit(limit)
        if state:
            query = query.where(Post.state == state)
        return [_post_dict(ctx, p, targets(session, p.id or 0)) for p in session.exec(query).all()]


def show_post(ctx: Context, post_id: int) -> dict[str, Any]:
    """Everything about one post: content, findings, approvals, waivers, publications."""
    with ctx.db.read() as session:
        post = session.get(Post, post_id)
        if post is None:
            raise NotFound(f"no post {post_id}; see `smtool post list`")
        result = _post_dict(ctx, post, targets(session, post_id))
        result["findings"] = findings_for(ctx, session, post)
        result["approvals"] = [
            {
                "approver": a.approver,
                "decision": a.decision,
                "comment": a.comment,
                "at": a.created_at.isoformat(),
                "voided": a.voided_at is not None,
            }
            for a in session.exec(select(Approval).where(Approval.post_id == post_id)).all()
        ]
        result["waivers"] = [
            {"rule": w.rule, "match_hash": w.match_hash, "reason": w.reason, "approver": w.approver}
            for w in session.exec(select(Waiver).where(Waiver.post_id == post_id)).all()
        ]
        result["publications"] = [
            publication_dict(p)
            for p in session.exec(select(Publication).where(Publication.post_id == post_id)).all()
        ]
        return result


def publication_dict(p: Publication) -> dict[str, Any]:
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


def list_publications(ctx: Context, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        query = (
            select(Publication)
            .order_by(col(Publication.due_at).desc(), col(Publication.id).desc())
            .limit(limit)
        )
        if state:
            query = query.where(Publication.state == state)
        return [publication_dict(p) for p in session.exec(query).all()]
