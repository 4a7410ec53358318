"""Drafting in the TUI: findings while typing, counts, a refused time next to its field, save and submit."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Static, TextArea

from smtool.services.queries import list_posts
from smtool.tui.app import build_app
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.widgets.findings import FindingsList

from .conftest import Installation, until


def rules(screen: ComposeScreen) -> set[str]:
    return {f["rule"] for f in screen.query_one(FindingsList).findings}


def test_findings_appear_while_typing_and_a_clean_post_is_saved_and_submitted(
    installation: Installation,
) -> None:
    ctx = installation.ctx

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            await pilot.press("I", "space", "t", "h", "i", "n", "k")
            await until(pilot, lambda: "voice.first-person" in rules(screen), "a first-person finding")
            assert "voice.opinion" in rules(screen)
            counts = screen.query_one("#post-counts", Static).render()
            assert "x 7/280" in str(counts)

            screen.query_one("#post-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await until(pilot, lambda: "voice.first-person" not in rules(screen), "the finding to go")
            assert rules(screen) == {"authorization.not-spokesperson"}  # answered by the approval

            await pilot.click("#post-save")
            await until(pilot, lambda: screen.post_id is not None, "the draft to be saved")
            assert [(p["state"], p["author"]) for p in list_posts(ctx)] == [("draft", "anna")]

            await pilot.click("#post-submit")
            await until(pilot, lambda: list_posts(ctx)[0]["state"] == "submitted", "the post to be submitted")
            assert not isinstance(app.screen, ErrorModal)
            posts = list_posts(ctx)
            assert len(posts) == 1  # the saved draft was submitted, not a second post
            assert posts[0]["text"] == "Pieteikšanās sāksies 1. decembrī."
            assert posts[0]["accounts"] == ["sandbox-x"]
            assert screen.query_one("#post-text", TextArea).text == ""  # ready for the next post

    asyncio.run(scenario())


def test_a_time_that_does_not_exist_is_refused_next_to_the_field(installation: Installation) -> None:
    ctx = installation.ctx

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            screen.query_one("#post-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            # Riga's clocks jump from 03:00 to 04:00 on the last Sunday of March.
            screen.query_one("#post-when", Input).value = "2030-03-31 03:30"
            await pilot.press("ctrl+s")
            error = screen.query_one("#when-error", Static)
            await until(pilot, lambda: "does not exist" in str(error.render()), "the inline refusal")
            assert not isinstance(app.screen, ErrorModal)
            assert list_posts(ctx) == []

    asyncio.run(scenario())


def test_a_refusal_is_shown_in_a_modal_with_its_title(installation: Installation) -> None:
    async def scenario() -> None:
        app = build_app(installation.ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+t")  # submit with no text
            await until(pilot, lambda: isinstance(app.screen, ErrorModal), "the error modal")
            modal = app.screen
            assert isinstance(modal, ErrorModal)
            assert modal.error.title == "Invalid input" and "no text" in modal.error.msg
            await pilot.press("escape")
            assert isinstance(app.screen, ComposeScreen)

    asyncio.run(scenario())
