"""Retention: nothing is deleted before its retention ends, a legal hold keeps what it covers, open
work is never purged, and every hold, lift and purged batch is in the audit log."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from connectors.base import IncomingItem
from smtool.config import Retention
from smtool.errors import NotFound, PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.records.retention import lift_hold, list_holds, place_hold, purge
from smtool.services.refusals import REFUSED
from smtool.store.tables import (
    Approval,
    AuditEvent,
    InboxItem,
    MetricSnapshot,
    ModerationAction,
    Post,
    Publication,
)
from tests.support.store_data import add_post

_REMOTE_IDS = itertools.count(1)


def _keeping(ctx: Context, days: int | None = 30) -> Context:
    retention = Retention(posts_days=days, inbox_items_days=days, metric_snapshots_days=days)
    return Context(ctx.settings.model_copy(update={"retention": retention}), ctx.db)


def _age(ctx: Context, table: str, column: str, ids: list[int], days: int) -> None:
    moment = datetime.now(UTC) - timedelta(days=days)
    value = moment.replace(tzinfo=None) if ctx.db.dialect == "sqlite" else moment
    with ctx.db.engine.begin() as connection:
        for record_id in ids:
            connection.execute(
                text(f"UPDATE {table} SET {column}=:v WHERE id=:id"), {"v": value, "id": record_id}
            )


def _posts(ctx: Context, account: str, n: int, days_old: int) -> list[int]:
    ids = [create_post(ctx, "anna", Draft(text=f"Ziņa {i}", accounts=[account])) for i in range(n)]
    _age(ctx, "posts", "updated_at", ids, days_old)
    return ids


def _items(ctx: Context, account: str, n: int, days_old: int, state: str = "resolved") -> list[int]:
    now = datetime.now(UTC)
    base = next(_REMOTE_IDS) * 1000
    items = [
        IncomingItem("x", str(base + i), account, "mention", "1", "A", "@a", f"teksts {i}", now, None, None)
        for i in range(n)
    ]
    Ingestor(ctx).store(account, "test", None, items, None)
    with ctx.db.write() as session:
        rows = session.exec(
            select(InboxItem).where(col(InboxItem.remote_id).in_([i.remote_id for i in items]))
        )
        ids = []
        for row in rows:
            row.state = state
            session.add(row)
            session.add(ModerationAction(item_id=row.id or 0, actor="liga", action="resolve"))
            ids.append(row.id or 0)
    _age(ctx, "inbox_items", "created_at", ids, days_old)
    # Resolved when they arrived: the actions are as old as the items.
    with ctx.db.read() as session:
        actions = session.exec(select(ModerationAction.id).where(col(ModerationAction.item_id).in_(ids)))
        _age(ctx, "moderation_actions", "at", [a for a in actions if a is not None], days_old)
    return sorted(ids)


def _left(ctx: Context, model: type[Post] | type[InboxItem]) -> set[int]:
    with ctx.db.read() as session:
        return {int(i) for i in session.exec(select(model.id)).all() if i is not None}


def test_only_what_is_past_retention_and_settled_is_purged(ctx: Context) -> None:
    young_posts, old_posts = _posts(ctx, "vk-x", 2, 10), _posts(ctx, "vk-x", 3, 40)
    young_items, old_items = _items(ctx, "vk-x", 2, 10), _items(ctx, "vk-x", 3, 40)
    open_items = _items(ctx, "vk-x", 2, 40, state="new")
    kept = _keeping(ctx)

    dry = purge(kept, "admin", dry_run=True)
    assert dry.deleted == {"post": 3, "inbox_item": 3, "metric_snapshot": 0}
    assert _left(ctx, Post) == set(young_posts + old_posts)

    report = purge(kept, "admin")
    assert report.deleted == {"post": 3, "inbox_item": 3, "metric_snapshot": 0}
    assert _left(ctx, Post) == set(young_posts)
    assert _left(ctx, InboxItem) == set(young_items + open_items)
    with ctx.db.read() as session:
        purged = session.exec(select(AuditEvent).where(AuditEvent.action == "retention.purge")).all()
        actions = session.exec(select(ModerationAction.item_id)).all()
    assert sorted(i for e in purged for i in json.loads(e.payload)["ids"]) == sorted(old_posts + old_items)
    assert set(actions) == set(young_items + open_items)

    assert purge(_keeping(ctx, None), "admin").deleted["post"] == 0  # unset: kept for ever


def test_legal_holds_keep_records_until_lifted(ctx: Context) -> None:
    held_post, free_post = _posts(ctx, "vk-x", 2, 400)
    fb_posts = _posts(ctx, "vk-fb", 2, 400)
    held_item, free_item = _items(ctx, "vk-x", 2, 400)
    fb_items = _items(ctx, "vk-fb", 1, 400)
    kept = _keeping(ctx)
    by_post = place_hold(ctx, "admin", "post", str(held_post), "Tiesas lieta C-1")
    place_hold(ctx, "admin", "inbox_item", str(held_item), "Pieprasījums 12")
    by_account = place_hold(ctx, "admin", "account", "vk-fb", "Revīzija")
    everything = place_hold(ctx, "admin", "all", "", "Visu saglabāt")

    assert purge(kept, "admin").deleted == {"post": 0, "inbox_item": 0, "metric_snapshot": 0}
    lift_hold(ctx, "admin", everything, "beidzās")
    purge(kept, "admin")
    assert _left(ctx, Post) == {held_post, *fb_posts} and free_post not in _left(ctx, Post)
    assert _left(ctx, InboxItem) == {held_item, *fb_items} and free_item not in _left(ctx, InboxItem)

    lift_hold(ctx, "admin", by_post, "lieta slēgta")
    lift_hold(ctx, "admin", by_account, "revīzija beigusies")
    purge(kept, "admin")
    assert _left(ctx, Post) == set() and _left(ctx, InboxItem) == {held_item}
    assert [h.scope for h in list_holds(ctx)] == ["inbox_item"]
    assert len(list_holds(ctx, include_lifted=True)) == 4
    with ctx.db.read() as session:
        audited = [e.action for e in session.exec(select(AuditEvent)) if e.action.startswith("retention.")]
    assert audited.count("retention.hold") == 4 and audited.count("retention.lift") == 3


def test_only_admins_hold_lift_and_purge_and_bad_holds_change_nothing(ctx: Context) -> None:
    old = _posts(ctx, "vk-x", 1, 400)
    with pytest.raises(PermissionDenied):
        purge(_keeping(ctx), "anna")
    with pytest.raises(PermissionDenied):
        place_hold(ctx, "karlis", "all", "", "x")
    with pytest.raises(UsageError, match="why"):
        place_hold(ctx, "admin", "all", "", " ")
    with pytest.raises(NotFound):
        place_hold(ctx, "admin", "post", "999", "lieta")
    with pytest.raises(UsageError, match="number"):
        place_hold(ctx, "admin", "inbox_item", "abc", "lieta")
    with pytest.raises(NotFound):
        lift_hold(ctx, "admin", 999, "x")
    assert _left(ctx, Post) == set(old) and list_holds(ctx, include_lifted=True) == []
    with ctx.db.read() as session:
        refused = session.exec(select(AuditEvent.actor).where(AuditEvent.action == REFUSED)).all()
    assert sorted(refused) == ["anna", "karlis"]


def test_a_post_with_something_left_to_publish_stays_and_its_answered_item_too(ctx: Context) -> None:
    (post_id,) = _posts(ctx, "vk-x", 1, 0)
    submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", [post_id])
    (item_id,) = _items(ctx, "vk-x", 1, 400)
    with ctx.db.write() as session:
        publication = session.exec(select(Publication)).one()
        publication.reply_to_item_id = item_id  # as if the post answered the item
        session.add(publication)
        session.flush()
        session.add(MetricSnapshot(publication_id=publication.id or 0, taken_at=datetime.now(UTC), likes=3))
    _age(ctx, "posts", "updated_at", [post_id], 400)
    _age(ctx, "publications", "updated_at", [publication.id or 0], 400)
    kept = _keeping(ctx)
    assert purge(kept, "admin").deleted == {"post": 0, "inbox_item": 0, "metric_snapshot": 0}  # scheduled

    with ctx.db.engine.begin() as connection:
        connection.execute(text("UPDATE publications SET state='published'"))
    # The post goes (its publication, approval and snapshot with it); then its answered item may.
    assert purge(kept, "admin").deleted == {"post": 1, "inbox_item": 1, "metric_snapshot": 0}
    with ctx.db.read() as session:
        for model in (Post, Publication, Approval, MetricSnapshot, InboxItem):
            assert session.exec(select(model)).all() == []


def test_an_old_item_acted_on_recently_stays_with_its_actions(ctx: Context) -> None:
    _, recent_action = _items(ctx, "vk-x", 2, 400)
    with ctx.db.write() as session:  # hidden yesterday, though the comment is from last year
        session.add(ModerationAction(item_id=recent_action, actor="liga", action="hide", reason="spam"))
    assert purge(_keeping(ctx), "admin").deleted["inbox_item"] == 1
    assert _left(ctx, InboxItem) == {recent_action}
    with ctx.db.read() as session:
        assert sorted(session.exec(select(ModerationAction.action))) == ["hide", "resolve"]


def test_a_hold_on_an_item_keeps_the_reply_that_answered_it(ctx: Context) -> None:
    (item_id,) = _items(ctx, "vk-x", 1, 400)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    publication_id = add_post(ctx, "vk-x", long_ago, "Atbilde", reply_to=item_id)
    with ctx.db.read() as session:
        post_id = session.exec(select(Publication.post_id)).one()
    _age(ctx, "posts", "updated_at", [post_id], 400)
    _age(ctx, "publications", "updated_at", [publication_id], 400)
    hold = place_hold(ctx, "admin", "inbox_item", str(item_id), "Sūdzība 3")
    assert purge(_keeping(ctx), "admin").deleted == {"post": 0, "inbox_item": 0, "metric_snapshot": 0}
    lift_hold(ctx, "admin", hold, "izskatīta")
    assert purge(_keeping(ctx), "admin").deleted == {"post": 1, "inbox_item": 1, "metric_snapshot": 0}
