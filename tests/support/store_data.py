"""Fixed report data: posts, publications and snapshots written straight into the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import count
from zoneinfo import ZoneInfo

from smtool.services.context import Context
from smtool.store.tables import Approval, InboxItem, MetricSnapshot, Post, Publication

RIGA = ZoneInfo("Europe/Riga")
_remote = count(1000)


def riga(*args: int) -> datetime:
    """A wall-clock time in Riga as aware UTC."""
    return datetime(*args, tzinfo=RIGA).astimezone(UTC)


def add_post(
    ctx: Context,
    account: str,
    published_at: datetime,
    text: str = "Aicinām pieteikties kursiem līdz piektdienai, vietu skaits ierobežots.",
    *,
    campaigns: Sequence[str] = (),
    snapshots: Iterable[tuple[datetime, dict[str, int | None]]] = (),
    reply_to: int | None = None,
) -> int:
    """A published post with its snapshots; returns the publication id."""
    with ctx.db.write() as session:
        post = Post(author="anna", text=text, content_hash="h", state="published", campaigns=list(campaigns))
        session.add(post)
        session.flush()
        assert post.id is not None
        approval = Approval(post_id=post.id, approver="karlis", decision="approved", content_hash="h")
        session.add(approval)
        session.flush()
        assert approval.id is not None
        publication = Publication(
            post_id=post.id,
            approval_id=approval.id,
            account_id=account,
            text=text,
            state="published",
            due_at=published_at,
            published_at=published_at,
            remote_id=str(next(_remote)),
            reply_to_item_id=reply_to,
        )
        session.add(publication)
        session.flush()
        assert publication.id is not None
        for taken_at, figures in snapshots:
            session.add(MetricSnapshot(publication_id=publication.id, taken_at=taken_at, **figures))
        return publication.id


def add_item(
    ctx: Context,
    account: str,
    created_at: datetime,
    *,
    team: str | None = "press",
    first_response_at: datetime | None = None,
    resolved_at: datetime | None = None,
    response_due_at: datetime | None = None,
    state: str = "new",
    thread: str | None = None,
    kind: str = "comment",
) -> int:
    with ctx.db.write() as session:
        item = InboxItem(
            platform="x",
            remote_id=str(next(_remote)),
            account_id=account,
            kind=kind,
            text="Kad būs atbilde?",
            created_at=created_at,
            state=state,
            team=team,
            first_response_at=first_response_at,
            resolved_at=resolved_at,
            response_due_at=response_due_at,
            thread_remote_id=thread,
        )
        session.add(item)
        session.flush()
        assert item.id is not None
        return item.id
