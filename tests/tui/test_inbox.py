"""Working the moderation queue in the TUI: claim, reply, resolve, hide with a reason, assign, filters,
the item's surroundings, the claim's heartbeat, conflicts and inert citizen text."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import requests
from rich.text import Text
from sqlmodel import select
from textual.widgets import DataTable, Input, Select, Static, TextArea

from connectors.base import IncomingItem
from smtool.services.monitoring import queue, queue_pages
from smtool.services.monitoring.ingest import Ingestor
from smtool.store.tables import InboxItem
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.moderation import ReplyModal
from smtool.tui.widgets.dialogs import ChoiceModal
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.widgets.findings import FindingsList
from smtool.tui.widgets.item_detail import ItemDetail
from tests.support.texts import HOSTILE_LINE
from tests.support.tui import RECEIVED, Installation, add_items, settled, until


def state(installation: Installation, item_id: int) -> dict[str, object]:
    return queue_pages.show_item(installation.ctx, item_id)


def notice(screen: InboxScreen) -> str:
    return str(screen.query_one("#notice", Static).render())


def test_claim_reply_with_live_checks_then_resolve(installation: Installation) -> None:
    add_items(installation.ctx, "Kad būs atvērta pieteikšanās?")
    item_id = int(queue_pages.list_items(installation.ctx).items[0]["id"])

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)  # a press officer starts in the inbox
            await until(pilot, lambda: screen.current_id == item_id, "the queue to load")
            await pilot.press("c")
            await until(pilot, lambda: state(installation, item_id)["claimed_by"] == "liga", "the claim")
            await until(pilot, lambda: f"Claimed item {item_id}" in notice(screen), "the notice")
            assert screen.held == {item_id}

            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ReplyModal), "the reply modal")
            modal = app.screen
            modal.query_one("#reply-text", TextArea).text = "Es domāju, ka drīz."
            findings = modal.query_one(FindingsList)
            await until(
                pilot,
                lambda: any(f["rule"] == "voice.first-person" for f in findings.findings),
                "live checks",
            )
            assert "(your role answers this)" in str(findings.render())  # no approver for a reply
            modal.query_one("#reply-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+s")
            await until(pilot, lambda: state(installation, item_id)["state"] == "answered", "the reply")
            assert app.screen is screen
            detail = state(installation, item_id)
            assert [r["text"] for r in detail["replies"]] == ["Pieteikšanās sāksies 1. decembrī."]  # type: ignore[index]

            await pilot.press("e")
            await until(
                pilot, lambda: state(installation, item_id)["state"] == "resolved", "the item resolved"
            )
            assert not screen.held

    asyncio.run(scenario())


def _facebook_comment(installation: Installation, text: str) -> None:
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


def test_hiding_asks_for_a_reason_of_the_comment_policy_and_keeps_the_record(
    installation: Installation,
) -> None:
    _facebook_comment(installation, "Jūs visi esat idioti!")

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current_id is not None, "the queue to load")
            item_id = screen.current_id
            assert item_id is not None
            await pilot.press("h")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the reason modal")
            offered = [str(o.prompt) for o in app.screen.query_one("#hide-options").options]  # type: ignore[attr-defined]
            assert offered == list(installation.ctx.settings.inbox.hide_reasons)
            await pilot.press("down", "enter")
            await until(pilot, lambda: bool(state(installation, item_id)["hidden"]), "the item to be hidden")
            detail = state(installation, item_id)
            assert detail["hidden_reason"] == "abuse"
            assert detail["text"] == "Jūs visi esat idioti!"  # the record stays, byte for byte
            assert not isinstance(app.screen, ErrorModal)

            await until(pilot, lambda: "hidden (abuse)" in notice(screen), "the notice")
            await pilot.press("u")
            await until(pilot, lambda: not state(installation, item_id)["hidden"], "the item shown again")

    asyncio.run(scenario())


def test_assigning_to_a_specialist_and_marking_spam(installation: Installation) -> None:
    add_items(installation.ctx, "Kā pieteikties e-pakalpojumam?", "Lēti pulksteņi šeit")
    first, second = sorted(int(i["id"]) for i in queue_pages.list_items(installation.ctx).items)

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current_id is not None, "the queue to load")
            table = screen.query_one("#inbox-items", DataTable)
            table.move_cursor(row=table.get_row_index(str(first)))
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the assign modal")
            options = app.screen.query_one("#assign-options")
            index = next(n for n, o in enumerate(options.options) if o.id == "janis")  # type: ignore[attr-defined]
            options.highlighted = index  # type: ignore[attr-defined]
            await pilot.press("enter")
            await until(pilot, lambda: state(installation, first)["assigned_to"] == "janis", "the assignment")
            assert state(installation, first)["state"] == "assigned"

            table.move_cursor(row=table.get_row_index(str(second)))
            await until(
                pilot, lambda: screen.current is not None and screen.current["id"] == second, "selection"
            )
            await pilot.press("s")
            await until(pilot, lambda: state(installation, second)["state"] == "spam", "the spam mark")

    asyncio.run(scenario())


def test_filters_and_the_items_surroundings(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    add_items(
        ctx, "Kad būs atvērta pieteikšanās?", "Paldies par atbildi!", "Vēl viens jautājums par nodokli?"
    )
    items = sorted(int(i["id"]) for i in queue_pages.list_items(ctx).items)

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: len(screen.items) == 3, "the queue to load")
            table = screen.query_one("#inbox-items", DataTable)
            table.move_cursor(row=table.get_row_index(str(items[-1])))
            around = screen.query_one("#item-around", Static)
            await until(pilot, lambda: "Author's earlier items" in str(around.render()), "the author's items")
            assert "Paldies par atbildi!" in str(around.render())

            screen.query_one("#filter-search", Input).value = "nodokli"
            await pilot.click("#filter-search")
            await pilot.press("enter")
            await until(pilot, lambda: set(screen.items) == {items[-1]}, "the search")
            screen.query_one("#filter-search", Input).value = ""
            screen.query_one("#filter-flag", Select).value = "question"
            await until(pilot, lambda: set(screen.items) == {items[0], items[-1]}, "the flag filter")
            screen.query_one("#filter-state", Select).value = "resolved"
            await until(pilot, lambda: not screen.items, "nothing resolved yet")

    asyncio.run(scenario())


def test_the_heartbeat_renews_a_claim_and_says_when_it_was_lost(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    add_items(ctx, "Kad būs atvērta pieteikšanās?")

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current_id is not None, "the queue to load")
            await pilot.press("c")
            await until(pilot, lambda: bool(screen.held), "the claim")
            item_id = next(iter(screen.held))
            with ctx.db.write() as session:  # the lease almost over
                row = session.get(InboxItem, item_id)
                assert row is not None
                row.lease_until = ctx.clock() + timedelta(seconds=5)
            screen._renew_claims()
            await settled(pilot)
            renewed = state(sqlite_installation, item_id)["lease_until"]
            assert str(renewed) > (ctx.clock() + timedelta(seconds=60)).isoformat()

            with ctx.db.write() as session:  # an administrator took it away meanwhile
                row = session.get(InboxItem, item_id)
                assert row is not None
                row.claimed_by = "toms"
            screen._renew_claims()
            await until(pilot, lambda: "lapsed" in notice(screen), "the lost claim")
            assert not screen.held

    asyncio.run(scenario())


def test_when_another_officer_acted_first_the_screen_says_so(installation: Installation) -> None:
    add_items(installation.ctx, "Paldies par informāciju.")

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.current is not None, "the queue to load")
            claimed = queue.claim_next(installation.ctx, "toms")  # in another terminal
            assert claimed is not None and claimed["id"] == screen.current_id
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, ErrorModal), "the conflict modal")
            modal = app.screen
            assert isinstance(modal, ErrorModal) and modal.error.title == "Changed by someone else"
            # What to do is said in the TUI's terms: the screen reads the item again by itself.
            assert "smtool inbox show" not in modal.error.msg and "shown again here" in modal.error.msg
            assert "Someone else acted first" in notice(screen) and "smtool inbox" not in notice(screen)
            assert state(installation, int(claimed["id"]))["state"] == "new"  # liga's resolve did nothing

    asyncio.run(scenario())


def test_hostile_comment_text_is_shown_literally(sqlite_installation: Installation) -> None:
    add_items(sqlite_installation.ctx, HOSTILE_LINE, author="[red]@admin[/red]", name="\x1b]0;owned\x07Evil")

    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "liga")
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


def test_a_specialist_starts_on_their_teams_items_and_may_not_hide(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    add_items(ctx, "Kā pieteikties e-pakalpojumam?", "Paldies par informāciju.")
    with ctx.db.write() as session:  # the first was routed to the e-services team
        row = session.exec(select(InboxItem).where(InboxItem.text == "Kā pieteikties e-pakalpojumam?")).one()
        row.team = "e-services"

    async def scenario() -> None:
        app = build_app(ctx, "janis")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: bool(screen.items), "the queue to load")
            assert screen.filters.team == "e-services"
            assert [i["team"] for i in screen.items.values()] == ["e-services"]
            assert screen.check_action("hide", ()) is False and screen.check_action("reply", ()) is True

    asyncio.run(scenario())


def test_hostile_text_stays_literal_in_the_thread_lines_and_in_a_post() -> None:
    from smtool.tui.screens.inbox import render_surroundings
    from smtool.tui.widgets.post_detail import render_post

    item = {"id": 1, "state": "new", "author": "[red]@x[/red]", "text": HOSTILE_LINE}
    lines = render_surroundings(queue_pages.Surroundings(thread=[item], earlier=[]))
    post = {
        "id": 7,
        "state": "submitted",
        "author": "anna",
        "version": 1,
        "scheduled_local": "2026-03-03 10:00 EET",
        "accounts": ["sandbox-x"],
        "campaigns": ["[blink]tag"],
        "media": [],
        "text": HOSTILE_LINE,
        "variants": {"x": "\u202egnol"},
        "findings": [],
        "approvals": [],
        "waivers": [],
        "publications": [],
    }
    for shown in (lines, render_post(post, "Europe/Riga")):
        assert "[bold]loud[/bold] [link=https://evil.example]click[/link] ␛" in shown.plain
        assert "\x1b" not in shown.plain and "\u202e" not in shown.plain
        assert not [s for s in shown.spans if "link" in str(s.style) or "blink" in str(s.style)]
    assert "[red]@x[/red]" in lines.plain and "[blink]tag" in render_post(post, "Europe/Riga").plain


def test_new_items_appear_on_their_own(
    sqlite_installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = sqlite_installation.ctx
    monkeypatch.setattr(InboxScreen, "REFRESH_SECONDS", 0.2)
    add_items(ctx, "Pirmais jautājums?")

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: len(screen.items) == 1, "the queue to load")
            Ingestor(ctx).store(
                "sandbox-x",
                "test",
                None,
                [
                    IncomingItem(
                        "x", "9001", "sandbox-x", "mention", "7", "B", "@b", "Otrais?", RECEIVED, None, None
                    )
                ],
                None,
            )
            await until(pilot, lambda: len(screen.items) == 2, "the new item")

    asyncio.run(scenario())
