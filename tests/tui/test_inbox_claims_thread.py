"""The inbox's claims, which the heartbeat timer reads on the event loop, change on that loop only,
although claiming, resolving and assigning run in worker threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

from smtool.services.monitoring import queue_pages
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.widgets.dialogs import ChoiceModal
from tests.support.tui import Installation, add_items, until


class ThreadNotingSet(set[int]):
    """A set that notes every thread that changes it."""

    def __init__(self, items: Iterable[int] = ()) -> None:
        super().__init__(items)
        self.changed_on: set[int] = set()

    def add(self, item: int) -> None:
        self.changed_on.add(threading.get_ident())
        super().add(item)

    def discard(self, item: object) -> None:
        self.changed_on.add(threading.get_ident())
        super().discard(item)


def test_claims_change_on_the_event_loop_while_the_actions_run_in_threads(
    sqlite_installation: Installation,
) -> None:
    ctx = sqlite_installation.ctx
    add_items(ctx, "Kad būs atvērta pieteikšanās?", "Kur var saņemt izziņu?")

    async def scenario() -> None:
        app = build_app(ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            loop_thread = threading.get_ident()
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            held = screen.held = ThreadNotingSet()
            await until(pilot, lambda: screen.current_id is not None, "the queue to load")

            await pilot.press("c")
            await until(pilot, lambda: len(held) == 1, "the first claim")
            first = next(iter(held))
            await until(pilot, lambda: screen.current_id == first, "the claimed item selected")
            await pilot.press("e")
            await until(pilot, lambda: not held, "the claim ended by resolving")
            assert queue_pages.show_item(ctx, first)["state"] == "resolved"

            await pilot.press("c")
            await until(pilot, lambda: len(held) == 1, "the second claim")
            second = next(iter(held))
            await until(pilot, lambda: screen.current_id == second, "the claimed item selected")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the assign dialog")
            await app.screen.dismiss("toms")  # as if chosen in the dialog
            await until(pilot, lambda: not held, "the claim ended by assigning")
            assert queue_pages.show_item(ctx, second)["assigned_to"] == "toms"

            assert held.changed_on == {loop_thread}

    asyncio.run(scenario())
