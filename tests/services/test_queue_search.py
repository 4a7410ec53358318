"""Queue search on both databases: rare words (the probe's id list), common words (SQLite's FTS5
sub-select, PostgreSQL's chunked walk and its GIN fallback) all give the same, complete pages."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from connectors.base import IncomingItem
from smtool.services.context import Context
from smtool.services.monitoring import queue_pages
from smtool.services.monitoring.ingest import Ingestor
from smtool.store.tables import InboxItem

WORDS = ["pieteikums", "nodoklis", "skola", "ceļš", "rinda", "paldies", "ārsts", "termiņš"]
STATES = ["new", "assigned", "answered", "resolved", "spam"]


def _fill(ctx: Context, count: int) -> dict[int, tuple[str, str]]:
    """`count` items with random words, authors and states; returns id -> (searchable text, state)."""
    rng = random.Random(3)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    items = [
        IncomingItem(
            "x",
            str(n),
            "vk-x",
            "mention",
            str(n % 7),
            f"Iedzīvotājs {n % 7}",
            f"@citizen{n % 7}",
            " ".join(rng.choices(WORDS, k=4)),
            start + timedelta(minutes=n),
            None,
            None,
        )
        for n in range(count)
    ]
    Ingestor(ctx).store("vk-x", "test", None, items, None)
    truth = {}
    with ctx.db.write() as session:
        for item in session.exec(select(InboxItem)).all():
            state = rng.choice(STATES)
            session.execute(update(InboxItem).where(col(InboxItem.id) == item.id).values(state=state))
            author = int(item.remote_id) % 7
            truth[int(item.id or 0)] = (f"{item.text} citizen{author} iedzīvotājs {author}", state)
    return truth


def _expected(truth: dict[int, tuple[str, str]], query: str, states: list[str]) -> set[int]:
    terms = query.lower().split()
    return {
        item_id
        for item_id, (text, state) in truth.items()
        if state in states and all(any(w.startswith(t) for w in text.lower().split()) for t in terms)
    }


def _all_pages(ctx: Context, query: str, *, include_closed: bool) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = queue_pages.list_items(ctx, search=query, include_closed=include_closed, limit=7, after=cursor)
        seen += [int(i["id"]) for i in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("strategy", ["probe", "walk", "walk-then-index"])
def test_every_search_strategy_finds_exactly_the_matches_in_queue_order(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, strategy: str
) -> None:
    truth = _fill(ctx, 160)
    if strategy != "probe":
        monkeypatch.setattr(queue_pages, "SEARCH_PROBE", 3)  # every query below matches more than 3 items
        monkeypatch.setattr(queue_pages, "WALK_CHUNK", 5)
        monkeypatch.setattr(queue_pages, "WALK_CHUNKS", 1 if strategy == "walk-then-index" else 100)
    for query, include_closed in [
        ("pieteik", False),
        ("pieteikums skola", True),
        ("citizen3", True),  # the author's handle
        ("iedzīvotājs 5 rinda", False),  # the author's name
    ]:
        states = STATES if include_closed else ["new", "assigned", "answered"]
        expected = _expected(truth, query, states)
        found = _all_pages(ctx, query, include_closed=include_closed)
        assert len(found) == len(set(found)), query
        assert set(found) == expected, query
        with ctx.db.read() as session:
            order = {i.id: (i.priority, i.id) for i in session.exec(select(InboxItem)).all()}
        assert found == sorted(found, key=lambda i: order[i], reverse=True), query


def test_a_search_with_no_match_is_an_empty_page(ctx: Context) -> None:
    _fill(ctx, 20)
    page = queue_pages.list_items(ctx, search="neesošsvārds", include_closed=True)
    assert page.items == [] and page.next_cursor is None
