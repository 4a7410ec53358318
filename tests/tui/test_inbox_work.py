"""What a press officer lost or was misled by in the inbox (issue 18): a blocked reply keeps its text,
claim-next honours the filter, hiding is offered where the platform allows it, a conflict says what
to do here, and new items never move the cursor."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Input, Select, Static, TextArea

from smtool.services.monitoring import queue, queue_pages
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.moderation import ReplyModal
from smtool.tui.widgets.findings import FindingsList
from smtool.tui.widgets.item_detail import ItemDetail
from tests.support.tui import Installation, add_items, until
from tests.tui.test_inbox import notice, state


def test_claim_next_takes_an_item_under_the_filter_and_the_pane_shows_it(installation: Installation) -> None:
    ctx = installation.ctx
    add_items(
        ctx, "Kad būs atvērta pieteikšanās?", "Paldies par atbildi!", "Vēl viens jautājums par nodokli?"
    )
    first, thanks, tax = sorted(int(i["id"]) for i in queue_pages.list_items(ctx).items)

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: len(screen.items) == 3, "the queue to load")
            screen.query_one("#filter-search", Input).value = "nodokli"
            await pilot.click("#filter-search")
            await pilot.press("enter")
            await until(pilot, lambda: set(screen.items) == {tax}, "the search")
            await pilot.press("c")  # the oldest question overall is outside the search: not that one
            await until(pilot, lambda: state(installation, tax)["claimed_by"] == "liga", "the claim")
            assert state(installation, first)["claimed_by"] is None

            screen.query_one("#filter-search", Input).value = ""
            screen.query_one("#filter-flag", Select).value = "question"
            await until(pilot, lambda: set(screen.items) == {first, tax}, "the flag filter")
            table = screen.query_one("#inbox-items", DataTable)
            table.move_cursor(row=table.get_row_index(str(tax)))
            await until(pilot, lambda: shown_id(screen) == tax, "the pane on the tax question")
            await pilot.press("c")
            await until(pilot, lambda: state(installation, first)["claimed_by"] == "liga", "the second claim")
            # The list selects what was claimed and the pane shows it, not the item shown before.
            await until(pilot, lambda: screen.current_id == first and shown_id(screen) == first, "the pane")
            await pilot.press("c")
            await until(pilot, lambda: "under these filters" in notice(screen), "nothing left to claim here")
            assert state(installation, thanks)["claimed_by"] is None  # not a question: left alone

    asyncio.run(scenario())


def shown_id(screen: InboxScreen) -> int | None:
    item = screen.query_one(ItemDetail).item
    return item["id"] if item else None


def test_a_blocked_or_conflicting_reply_keeps_the_dialog_open_with_its_text(
    installation: Installation,
) -> None:
    add_items(installation.ctx, "Kad būs atvērta pieteikšanās?")
    item_id = int(queue.claim_next(installation.ctx, "liga")["id"])  # type: ignore[index]
    blocked = "Es domāju, ka drīz."

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current_id == item_id, "the queue to load")
            await until(pilot, lambda: screen.detail is not None, "the item")
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ReplyModal), "the reply modal")
            modal = app.screen
            area = modal.query_one("#reply-text", TextArea)
            area.text = blocked
            await pilot.press("ctrl+s")

            def said() -> str:
                return str(modal.query_one("#reply-error", Static).render())

            await until(pilot, lambda: "Sending" not in said() and said() != "", "the refusal")
            assert app.screen is modal and area.text == blocked  # nothing lost
            assert any(f["rule"] == "voice.first-person" for f in modal.query_one(FindingsList).findings)
            assert state(installation, item_id)["state"] != "answered"

            # Someone else changes the item meanwhile: said here, in the TUI's words, text kept.
            queue.assign(installation.ctx, "liga", item_id, "e-services")
            area.text = "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "Changed by someone else" in said(), "the conflict")
            assert "smtool inbox show" not in said() and app.screen is modal
            assert area.text == "Pieteikšanās sāksies 1. decembrī."
            await until(
                pilot,
                lambda: screen.detail is not None and screen.detail.item["team"] == "e-services",
                "the item read again",
            )
            await pilot.press("ctrl+s")  # on what is there now
            await until(pilot, lambda: state(installation, item_id)["state"] == "answered", "the reply")
            assert app.screen is screen

    asyncio.run(scenario())
