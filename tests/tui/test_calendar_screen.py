"""The calendar explains itself: a legend for the grid's marks, and its keys in the footer."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from smtool.services.publishing.approval import submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.tui.app import build_app
from smtool.tui.screens.calendar import MARKS, CalendarScreen, cell
from tests.support.tui import Installation, until


def test_the_grid_marks_have_a_legend_and_v_and_a_are_in_the_footer(
    sqlite_installation: Installation,
) -> None:
    ctx = sqlite_installation.ctx
    submit_post(
        ctx, "anna", create_post(ctx, "anna", Draft("Sēde rīt.", ["sandbox-x"], at="2026-03-03 10:00"))
    )

    async def scenario() -> None:
        app = build_app(ctx, "karlis", "calendar")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, CalendarScreen)
            await until(pilot, lambda: bool(screen.entries), "the calendar")
            legend = str(screen.query_one("#calendar-legend", Static).render())
            for meaning in ("✓ out", "◷ waiting to go out", "? awaiting approval", "! needs attention"):
                assert meaning in legend
            assert screen.query_one("#calendar-legend").region.height == 1  # fits at 80 columns
            footer = {b.binding.key for b in app.active_bindings.values() if b.binding.show and b.enabled}
            assert {"v", "a"} <= footer  # m is named by the list's title whenever there is more
            titles = [c.title for c in app.get_system_commands(screen)]
            assert "Calendar: More" in titles

    asyncio.run(scenario())
    # Every mark a cell can show is in the legend.
    assert {mark for mark, *_ in MARKS} == {"!", "✓", "◷", "?"}
    assert cell({"submitted": 1, "published": 2}).plain == "✓2?1"  # type: ignore[arg-type]
