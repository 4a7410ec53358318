"""Lists page by keyset without losing or repeating a row, and the burst rule sees the institution's
recent posts (issue 18, items 8, 9 and 16), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest

from smtool.domain.timezones import to_local
from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.paging import Page
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.checks import recent_posts
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.views import post_page, publication_page, show_post

T = TypeVar("T")

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties sabiedriskajā apspriešanā līdz 15. decembrim."


def _approved(ctx: Context, count: int, accounts: tuple[str, ...] = ("vk-x", "vk-fb")) -> list[int]:
    posts = [create_post(ctx, "anna", Draft(text=f"{TEXT} ({n})", accounts=accounts)) for n in range(count)]
    for post_id in posts:
        submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", posts)  # one approval: every publication is due at the same instant
    return posts


def _walk(fetch: Callable[[str | None], Page[T]]) -> list[list[T]]:
    """Every page, each fetched with the cursor the previous one gave."""
    pages: list[list[T]] = []
    after: str | None = None
    while True:
        page = fetch(after)
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


def test_pages_hold_every_row_once_in_order_even_when_due_times_tie(ctx: Context) -> None:
    posts = _approved(ctx, 5)
    publications = _walk(lambda after: publication_page(ctx, limit=3, after=after))
    assert [len(p) for p in publications] == [3, 3, 3, 1]
    ids = [p["id"] for page in publications for p in page]
    assert len(ids) == 10 == len(set(ids)) and ids == sorted(ids, reverse=True)

    listed = _walk(lambda after: post_page(ctx, state="approved", limit=2, after=after))
    assert [p["id"] for page in listed for p in page] == sorted(posts, reverse=True)
    # Exactly a page: no note of a next page that would be empty.
    assert post_page(ctx, limit=5).next_cursor is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ctx: post_page(ctx, state="bogus"), "unknown state 'bogus'; states: draft"),
        (lambda ctx: publication_page(ctx, state="sent"), "unknown state 'sent'; states: scheduled"),
        (lambda ctx: post_page(ctx, limit=0), "--limit must be from 1 to 10000"),
        (lambda ctx: post_page(ctx, limit=2**63), "--limit must be from 1 to 10000"),
        (lambda ctx: publication_page(ctx, after="12"), "not a page cursor"),
        (lambda ctx: publication_page(ctx, after="99999999999999999999:1"), "not a page cursor"),
        (lambda ctx: post_page(ctx, after="x"), "not a page cursor"),
        (lambda ctx: post_page(ctx, after="9" * 30), "not a page cursor"),
    ],
)
def test_a_value_that_cannot_exist_is_refused(
    ctx: Context, call: Callable[[Context], object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        call(ctx)


def _burst(ctx: Context, post_id: int) -> list[str]:
    return [f["account"] for f in show_post(ctx, post_id)["findings"] if f["rule"] == "burst.cadence"]


def test_the_burst_rule_counts_the_account_s_posts_and_near_repeats_elsewhere(ctx: Context) -> None:
    _approved(ctx, 5, ("vk-x",))
    assert len(recent_posts(ctx, ctx.clock() + timedelta(minutes=1))) == 5
    sixth = create_post(
        ctx, "anna", Draft(text="Aicinām pieteikties kursiem līdz piektdienai.", accounts=["vk-x"])
    )
    assert _burst(ctx, sixth) == ["vk-x"]
    # The same text as one of them, four minutes later on the Facebook page: a near repeat.
    repeat = create_post(ctx, "anna", Draft(text=f"{TEXT} (4)", accounts=["vk-fb"]))
    assert _burst(ctx, repeat) == ["vk-fb"]
    # Approved, the sixth is not counted twice (its own publication is left out); a post a day later
    # meets none of them.
    submit_post(ctx, "anna", sixth)
    approve_posts(ctx, "karlis", [sixth])
    assert len(recent_posts(ctx, ctx.clock() + timedelta(minutes=1), exclude_post=sixth)) == 5
    assert _burst(ctx, sixth) == ["vk-x"]
    zone = ctx.settings.institution.timezone
    tomorrow = to_local(ctx.clock() + timedelta(days=1), zone).strftime("%Y-%m-%d %H:%M")
    later = create_post(ctx, "anna", Draft(text=f"{TEXT} (4)", accounts=["vk-fb"], at=tomorrow))
    assert _burst(ctx, later) == []
