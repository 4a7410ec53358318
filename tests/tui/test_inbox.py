"""Working the moderation queue in the TUI: claim, reply, hide with a reason, conflicts, inert text."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.widgets import DataTable, Static, TextArea

from smtool.services import inbox
from smtool.services.ingest import Ingestor
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.moderation import HideModal, ReplyModal
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.widgets.item_detail import ItemDetail

from .conftest import Installation, add_items, until

HOSTILE = "[bold]loud[/bold] [link=https://evil.example]click[/link] \x1b[31mred\x1b[0m \u202etxet"


def state(installation: Installation, item_id: int) -> dict[str, object]:
    return inbox.show_item(installation.ctx, item_id)


def test_a_press_officer_starts_in_the_inbox_and_claims_then_replies(installation: Installation) -> None:
    add_items(installation.ctx, "Kad būs atvērta pieteikšanās?")
    item_id = int(inbox.list_items(installation.ctx).items[0]["id"])

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current_id == item_id, "the queue to load")
            await pilot.press("c")
            await until(pilot, lambda: state(installation, item_id)["claimed_by"] == "liga", "the claim")
            notice = screen.query_one("#inbox-notice", Static)
            await until(pilot, lambda: f"Claimed item {item_id}" in str(notice.render()), "the notice")

            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ReplyModal), "the reply modal")
            app.screen.query_one("#reply-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+s")
            await until(pilot, lambda: state(installation, item_id)["state"] == "answered", "the reply")
            assert app.screen is screen
            detail = state(installation, item_id)
            assert [r["text"] for r in detail["replies"]] == ["Pieteikšanās sāksies 1. decembrī."]  # type: ignore[index]

    asyncio.run(scenario())


def test_hiding_asks_for_a_reason_and_keeps_the_record(installation: Installation) -> None:

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current_id is not None, "the queue to load")
            item_id = screen.current_id
            assert item_id is not None
            await pilot.press("h")
            await until(pilot, lambda: isinstance(app.screen, HideModal), "the reason modal")
            await pilot.press("down", "enter")
            await until(pilot, lambda: bool(state(installation, item_id)["hidden"]), "the item to be hidden")
            detail = state(installation, item_id)
            assert detail["hidden_reason"] == "abuse"
            assert detail["text"] == "Jūs visi esat idioti!"  # the record stays, byte for byte
            assert not isinstance(app.screen, ErrorModal)

    _facebook_comment(installation, "Jūs visi esat idioti!")
    asyncio.run(scenario())


def _facebook_comment(installation: Installation, text: str) -> None:
    import requests

    base = installation.server.base_url
    page = installation.server.account("facebook").id

    def control(path: str, body: dict[str, str]) -> dict[str, str]:
        response = requests.post(f"{base}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        result: dict[str, str] = response.json()
        return result

    post = control("posts", {"account": page, "text": "Ziņa"})["id"]
    control("comments", {"post_id": post, "text": text})
    Ingestor(installation.ctx).poll_all()


def test_when_another_officer_acted_first_the_screen_says_so(installation: Installation) -> None:
    add_items(installation.ctx, "Paldies par informāciju.")

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current is not None, "the queue to load")
            claimed = inbox.claim_next(installation.ctx, "toms")  # in another terminal
            assert claimed is not None and claimed["id"] == screen.current_id
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, ErrorModal), "the conflict modal")
            modal = app.screen
            assert isinstance(modal, ErrorModal) and modal.error.title == "Changed by someone else"
            notice = str(screen.query_one("#inbox-notice", Static).render())
            assert "Someone else acted first" in notice
            assert state(installation, int(claimed["id"]))["state"] == "new"  # liga's resolve did nothing

    asyncio.run(scenario())


def test_hostile_comment_text_is_shown_literally(installation: Installation) -> None:
    add_items(installation.ctx, HOSTILE, author="[red]@admin[/red]", name="\x1b]0;owned\x07Evil")

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            detail = screen.query_one(ItemDetail)
            await until(pilot, lambda: detail.item is not None, "the item detail")
            shown = str(detail.render())
            for literal in (
                "[bold]loud[/bold]",
                "[link=https://evil.example]click[/link]",
                "[red]@admin[/red]",
            ):
                assert literal in shown
            assert "␛[31mred␛[0m" in shown and "<U+202E>txet" in shown
            assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
            table = screen.query_one("#inbox-items", DataTable)
            cell = table.get_cell_at((0, 4))
            assert isinstance(cell, Text) and cell.plain.startswith("[bold]loud[/bold]")
            assert not cell.spans  # nothing was parsed into styles

    asyncio.run(scenario())
