"""The reports screen: a manager starts there and switches periods; figures come from the reports service."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from smtool.tui.app import build_app
from smtool.tui.screens.reports import ReportsScreen
from smtool.tui.widgets.bars import bar
from tests.support.tui import Installation, add_items, until


def test_a_manager_sees_engagement_and_response_times_and_switches_periods(
    sqlite_installation: Installation,
) -> None:
    add_items(sqlite_installation.ctx, "Kad būs atvērta pieteikšanās?")

    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "martins")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            await until(pilot, lambda: screen.figures is not None, "the figures")
            period = screen.query_one("#reports-period", Static)
            assert "2026-02-01 – 2026-03-02" in str(period.render())
            backlog = str(screen.query_one("#response-backlog", Static).render())
            assert "over 7 days" in backlog and "█" in backlog  # the item from 2026 is still open
            await pilot.press("w")
            await until(pilot, lambda: "2026-02-23 – 2026-03-01" in str(period.render()), "last week")
            await pilot.press("m")
            await until(pilot, lambda: "2026-02-01 – 2026-02-28" in str(period.render()), "last month")

    asyncio.run(scenario())


def test_bars_scale_to_the_largest_value_in_eighths() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 16, 2) == "▏"  # the smallest non-zero value still shows
    assert bar(0, 10, 4) == "" and bar(3, 0, 4) == ""
