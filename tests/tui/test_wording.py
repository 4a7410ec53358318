"""Words on the screens: nothing cut short, numbers that agree with their nouns."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input

from smtool.services.guidelines import check_text
from smtool.tui.app import build_app
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.widgets.findings import DraftFinding, render_findings
from tests.support.tui import Installation


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_time_placeholder_is_shown_whole(
    sqlite_installation: Installation, size: tuple[int, int]
) -> None:
    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "anna")
        async with app.run_test(size=size):
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            when = screen.query_one("#post-when", Input)
            # The placeholder was cut to "YYYY-MM-DD HH:MM;" at 120 columns.
            assert len(when.placeholder) <= when.content_region.width, (when.placeholder, when.content_region)

    asyncio.run(scenario())


def test_one_blocking_error_is_counted_in_the_singular() -> None:
    checked = check_text("Es uzskatu, ka tas ir labi.", account_kind="institution")
    errors = [f for f in checked.findings if f.level == "error"]
    assert errors
    one: DraftFinding = {**errors[0].to_dict(), "accounts": [], "text_of": ""}
    assert "1 error blocks submission." in render_findings([one]).plain
    assert "2 errors block submission." in render_findings([one, one]).plain
