"""How the two screens look at 80x24, with fixed data and no clock on screen.

Update after an intended change with `pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import TextArea

from smtool.tui.app import build_app
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.widgets.findings import FindingsList
from smtool.tui.widgets.item_detail import ItemDetail

from .conftest import Installation, add_items, until
from .test_inbox import HOSTILE


def test_compose_screen(installation: Installation, snap_compare: Any) -> None:
    async def type_a_post(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ComposeScreen)
        area = screen.query_one("#post-text", TextArea)
        area.cursor_blink = False
        area.text = "Es uzskatu, ka jaunais e-pakalpojums ir ērts."
        await until(pilot, lambda: bool(screen.query_one(FindingsList).findings), "the findings")

    assert snap_compare(build_app(installation.ctx, "anna"), terminal_size=(80, 24), run_before=type_a_post)


def test_inbox_screen(installation: Installation, snap_compare: Any) -> None:
    add_items(installation.ctx, "Kad būs atvērta pieteikšanās?", "Paldies!", HOSTILE)

    async def load(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, InboxScreen)
        detail = screen.query_one(ItemDetail)
        await until(pilot, lambda: detail.item is not None, "the item detail")

    assert snap_compare(build_app(installation.ctx, "liga"), terminal_size=(80, 24), run_before=load)
