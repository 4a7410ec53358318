"""The approver's desk: approving asks first (where, when, any pause, an optional comment), and what
the approval itself answers is neither offered for a waiver nor shown as an error afterwards."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from smtool.services.publishing import pauses
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.views import show_post
from smtool.tui.app import build_app
from smtool.tui.screens.approvals import ApprovalsScreen
from smtool.tui.widgets.dialogs import ChoiceModal, LineModal
from smtool.tui.widgets.post_detail import PostDetail, render_post
from tests.support.tui import Installation, until

TEXT = "Pieteikšanās sāksies 1. decembrī."


def _waiting(installation: Installation, text: str = TEXT) -> int:
    ctx = installation.ctx
    post_id = create_post(ctx, "anna", Draft(text, ["sandbox-x", "sandbox-fb"], at="2026-03-03 10:00"))
    submit_post(ctx, "anna", post_id)
    return post_id


async def _desk(app: App[None], pilot: Pilot[None]) -> ApprovalsScreen:
    """The approvals screen once the first waiting post is shown in full."""
    screen = app.screen
    assert isinstance(screen, ApprovalsScreen)
    await until(pilot, lambda: screen.query_one(PostDetail).post is not None, "the post")
    return screen


def test_approving_asks_first_showing_accounts_time_and_a_pause_and_takes_a_comment(
    installation: Installation,
) -> None:
    ctx = installation.ctx
    post_id = _waiting(installation)
    pauses.pause(ctx, "karlis", pauses.ALL, "Krīze")

    async def scenario() -> None:
        app = build_app(ctx, "karlis")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _desk(app, pilot)
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the confirmation")
            asked = " ".join(str(s.render()) for s in app.screen.query(Static))
            assert "sandbox-x, sandbox-fb" in asked or "sandbox-fb, sandbox-x" in asked
            assert "2026-03-03 10:00" in asked and "Europe/Riga" in asked
            assert "all publishing is paused (Krīze)" in asked
            await pilot.press("escape")  # one stray key publishes nothing
            await until(pilot, lambda: isinstance(app.screen, ApprovalsScreen), "the desk again")
            assert show_post(ctx, post_id)["state"] == "submitted"
            assert "not approved" in str(screen.query_one("#notice", Static).render())

            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the confirmation again")
            app.screen.query_one(Input).value = "Labi."
            await pilot.press("enter")
            await until(pilot, lambda: show_post(ctx, post_id)["state"] == "approved", "the approval")
            (decision,) = show_post(ctx, post_id)["approvals"]
            assert (decision["approver"], decision["comment"]) == ("karlis", "Labi.")
            notice = str(screen.query_one("#notice", Static).render())
            # Not "the worker sends it": nothing goes out while publishing is paused.
            assert f"Post {post_id} approved" in notice and "paused" in notice

    asyncio.run(scenario())


def test_the_approval_answers_not_spokesperson_so_it_is_no_waiver_and_no_error_once_approved(
    installation: Installation,
) -> None:
    ctx = installation.ctx
    post_id = _waiting(installation)
    findings = show_post(ctx, post_id)["findings"]
    assert {f["rule"] for f in findings} == {"authorization.not-spokesperson"}

    async def scenario() -> None:
        app = build_app(ctx, "karlis")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _desk(app, pilot)
            await pilot.press("w")
            await pilot.pause()
            assert not isinstance(app.screen, ChoiceModal)
            assert "no finding left to waive" in str(screen.query_one("#notice", Static).render())

    asyncio.run(scenario())

    before = render_post(show_post(ctx, post_id), "Europe/Riga")
    assert "the approval answers this" in before.plain
    approve_posts(ctx, "karlis", [post_id])
    after = render_post(show_post(ctx, post_id), "Europe/Riga")
    line = next(row for row in after.plain.splitlines() if "authorization.not-spokesperson" in row)
    assert line.startswith("answered") and "by the approval" in line and "error" not in line
    # Nothing of it is drawn in the error colour.
    start = after.plain.index(line)
    red = [s for s in after.spans if s.start < start + len(line) and s.end > start and "red" in str(s.style)]
    assert red == []
