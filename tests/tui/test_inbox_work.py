"""What a press officer lost or was misled by in the inbox (issue 18): a blocked reply keeps its text,
claim-next honours the filter, hiding is offered where the platform allows it, a conflict says what
to do here, and new items never move the cursor."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static, TextArea

from connectors.base import IncomingItem
from smtool.errors import UsageError
from smtool.services.monitoring import queue, queue_pages
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.publishing import pauses
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.moderation import ReplyModal
from smtool.tui.widgets.findings import FindingsList
from smtool.tui.widgets.item_detail import ItemDetail
from tests.support.tui import RECEIVED, Installation, add_items, until
from tests.tui.test_inbox import _facebook_comment, notice, state


def test_claim_next_takes_an_item_under_the_filter_and_the_pane_shows_it(installation: Installation) -> None:
    ctx = installation.ctx
    add_items(
        ctx, "Kad būs atvērta pieteikšanās?", "Paldies par atbildi!", "Vēl viens jautājums par nodokli?"
    )
    first, thanks, tax = sorted(int(i["id"]) for i in queue_pages.list_items(ctx).items)

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _queue(app, pilot, 3)
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


async def _queue(app: App[None], pilot: Pilot[None], items: int) -> InboxScreen:
    """The inbox once its first page holds `items` items."""
    screen = app.screen
    assert isinstance(screen, InboxScreen)
    await until(pilot, lambda: len(screen.items) == items, "the queue to load")
    return screen


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


def test_hide_is_offered_only_where_the_platform_allows_it(installation: Installation) -> None:
    ctx = installation.ctx
    _facebook_comment(installation, "Komentārs zem ziņas.")
    add_items(ctx, "@iestade kad būs atbilde?")  # a mention on X: X hides only replies to our posts
    by_kind = {str(i["kind"]): int(i["id"]) for i in queue_pages.list_items(ctx).items}
    mention, comment = by_kind["mention"], by_kind["comment"]
    with pytest.raises(
        UsageError, match="X lets an account hide only replies to its own posts; this is a mention"
    ):
        queue.hide(ctx, "liga", mention, "abuse")

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await _queue(app, pilot, 2)
            table = screen.query_one("#inbox-items", DataTable)
            for item_id, offered in ((mention, False), (comment, True)):
                table.move_cursor(row=table.get_row_index(str(item_id)))
                await until(pilot, lambda: shown_id(screen) == item_id, "the item")  # noqa: B023
                footer_keys = {b.binding.key for b in app.active_bindings.values() if b.enabled}
                assert ("h" in footer_keys) is offered and bool(screen.check_action("hide", ())) is offered
            table.move_cursor(row=table.get_row_index(str(mention)))
            await until(pilot, lambda: shown_id(screen) == mention, "the mention again")
            await pilot.press("h")
            await pilot.pause()
            assert app.screen is screen  # no reason dialog for what X would refuse

    asyncio.run(scenario())


def test_new_items_join_at_the_end_and_the_cursor_stays_on_its_item(
    sqlite_installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = sqlite_installation.ctx
    monkeypatch.setattr(InboxScreen, "REFRESH_SECONDS", 0.2)
    add_items(ctx, "Paldies.", "Labi.")

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _queue(app, pilot, 2)
            before = list(screen.items)
            table = screen.query_one("#inbox-items", DataTable)
            table.move_cursor(row=1)
            await until(pilot, lambda: shown_id(screen) == before[1], "the second item")
            # A question (more urgent) arrives: sorted, it would go above the cursor's item.
            question = IncomingItem(
                "x", "9001", "sandbox-x", "mention", "7", "B", "@b", "Kad atvērsiet?", RECEIVED, None, None
            )
            Ingestor(ctx).store("sandbox-x", "test", None, [question], None)
            assert queue_pages.list_items(ctx).items[0]["text"] == "Kad atvērsiet?"
            await until(pilot, lambda: len(screen.items) == 3, "the new item")
            assert list(screen.items)[:2] == before  # nothing moved under the reader
            assert table.cursor_row == 1 and screen.current_id == before[1]
            assert "new item" in notice(screen)
            await pilot.press("g")  # sorted on request
            await until(pilot, lambda: next(iter(screen.items)) not in before, "the queue sorted")
            assert screen.current_id == before[1]

    asyncio.run(scenario())


def test_a_reply_during_a_pause_says_it_waits(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    add_items(ctx, "Kad būs atvērta pieteikšanās?")
    pauses.pause(ctx, "karlis", pauses.ALL, "Krīze")

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _queue(app, pilot, 1)
            await until(pilot, lambda: screen.detail is not None, "the item")
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ReplyModal), "the reply modal")
            app.screen.query_one("#reply-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "in the outbox" in notice(screen), "the reply")
            assert "not sent yet: all publishing is paused (Krīze)" in notice(screen)

    asyncio.run(scenario())
