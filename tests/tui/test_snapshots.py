"""How each screen looks at 80x24 and 120x40, with fixed data and a fixed clock.

Update after an intended change with `pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from connectors.base import IncomingItem
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.store.tables import Account, MetricSnapshot, Publication
from smtool.tui.app import build_app
from smtool.tui.screens.accounts import AccountsScreen
from smtool.tui.screens.approvals import ApprovalsScreen
from smtool.tui.screens.calendar import CalendarScreen
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.reports import ReportsScreen
from smtool.tui.widgets.findings import FindingsList
from smtool.tui.widgets.item_detail import ItemDetail
from smtool.tui.widgets.post_detail import PostDetail
from tests.support.texts import HOSTILE_LINE
from tests.support.tui import NOW, Installation, add_items, until

BOTH = ["sandbox-x", "sandbox-fb"]
TOKEN_SET = datetime(2026, 2, 27, 9, 0, tzinfo=UTC)


def seed(ctx: Context) -> None:
    """A week of posts in every state a person should notice, and a small queue."""
    waiting = create_post(
        ctx, "anna", Draft("Pieteikšanās sāksies 1. decembrī.", BOTH, at="2026-03-03 10:00")
    )
    submit_post(ctx, "anna", waiting)
    out = create_post(
        ctx, "anna", Draft("Valsts kanceleja aicina pieteikties kursiem.", BOTH, at="2026-03-04 09:00")
    )
    troubled = create_post(
        ctx, "anna", Draft("Sēde notiks ceturtdien plkst. 14.00.", BOTH, at="2026-03-05 14:00")
    )
    for post_id in (out, troubled):
        submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", [out, troubled])
    create_post(ctx, "anna", Draft("Melnraksts piektdienai.", ["sandbox-x"], at="2026-03-06 11:00"))
    outcomes = {
        (out, "sandbox-x"): ("published", None),
        (out, "sandbox-fb"): ("failed", "(#100) Invalid parameter"),
        (troubled, "sandbox-x"): ("unknown", "timed out after sending"),
        (troubled, "sandbox-fb"): ("needs_reauth", "token expired"),
    }
    with ctx.db.write() as session:
        for publication in session.exec(select(Publication)).all():
            state, error = outcomes[(publication.post_id, publication.account_id)]
            publication.state, publication.last_error = state, error
            if state == "published":  # went out just before the TUI's "now", and was measured
                publication.due_at = publication.published_at = NOW - timedelta(hours=1)
                session.flush()
                session.add(
                    MetricSnapshot(
                        publication_id=publication.id,
                        taken_at=NOW,
                        impressions=1200,
                        likes=40,
                        replies=6,
                        shares=9,
                        quotes=1,
                        bookmarks=2,
                    )
                )
        for account in session.exec(select(Account)).all():
            account.token_set_at = TOKEN_SET
    add_items(ctx, "Kad būs atvērta pieteikšanās?", "Paldies!", HOSTILE_LINE)
    recent = IncomingItem(
        "x",
        "7000",
        "sandbox-x",
        "mention",
        "43",
        "Jānis",
        "@janis",
        "Kur pieteikties?",
        NOW - timedelta(days=2),
        None,
        None,
    )
    Ingestor(ctx).store("sandbox-x", "test", None, [recent], None)


async def settle(pilot: Pilot[None]) -> None:
    screen = pilot.app.screen
    if isinstance(screen, ComposeScreen):
        area = screen.query_one("#post-text", TextArea)
        area.cursor_blink = False
        area.text = "Es uzskatu, ka jaunais e-pakalpojums ir ērts."
        screen.query_one("#post-when", Input).value = "2026-03-29 03:30"
        await until(pilot, lambda: bool(screen.query_one(FindingsList).findings), "the findings")
    elif isinstance(screen, InboxScreen):
        await until(pilot, lambda: screen.query_one(ItemDetail).item is not None, "the item")
    elif isinstance(screen, ApprovalsScreen):
        await until(pilot, lambda: screen.query_one(PostDetail).post is not None, "the post")
    elif isinstance(screen, CalendarScreen):
        await until(pilot, lambda: bool(screen.entries), "the calendar")
    elif isinstance(screen, ReportsScreen):
        await until(pilot, lambda: screen.figures is not None, "the reports")
    elif isinstance(screen, AccountsScreen):
        await until(pilot, lambda: bool(screen.overview.accounts), "the accounts")
    pilot.app.screen.set_focus(None)  # no cursor blink in the picture
    await pilot.pause()


USERS = {
    "compose": "anna",
    "calendar": "karlis",
    "approvals": "karlis",
    "inbox": "liga",
    "reports": "martins",
    "accounts": "karlis",
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", list(USERS))
def test_screen(
    sqlite_installation: Installation, snap_compare: Any, screen: str, size: tuple[int, int]
) -> None:
    seed(sqlite_installation.ctx)
    app = build_app(sqlite_installation.ctx, USERS[screen], screen)
    assert snap_compare(app, terminal_size=size, run_before=settle)
