"""What a press officer lost or was misled by in the inbox (issue 18): a blocked reply keeps its text,
claim-next honours the filter, hiding is offered where the platform allows it, a conflict says what
to do here, and new items never move the cursor."""

from __future__ import annotations

import asyncio

from textual.widgets import Static, TextArea

from smtool.services.monitoring import queue
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.moderation import ReplyModal
from smtool.tui.widgets.findings import FindingsList
from tests.support.tui import Installation, add_items, until
from tests.tui.test_inbox import state


def test_a_blocked_or_conflicting_reply_keeps_the_dialog_open_with_its_text(installation: Installation) -> None:
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
