"""Driving the Textual app in tests: wait by condition, a fixed clock, inbox items with fixed ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from connectors.base import IncomingItem
from connectors.emulator import SandboxServer
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor

# Fixed so that snapshots and ids do not depend on the clock.
RECEIVED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
# The clock of the TUI tests' installations (their Context's, which the app and the services
# read): a Monday in Riga's winter time (UTC+2). In the past, so no test ages with the calendar.
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


def add_items(ctx: Context, *texts: str, author: str = "@iedzivotajs", name: str = "Iedzīvotājs") -> None:
    """Mentions on sandbox-x with fixed ids and times (they need no platform: not for hiding)."""
    items = [
        IncomingItem(
            "x", str(5000 + n), "sandbox-x", "mention", "42", name, author, text, RECEIVED, None, None
        )
        for n, text in enumerate(texts)
    ]
    Ingestor(ctx).store("sandbox-x", "test", None, items, None)


async def settled(pilot: Pilot[None]) -> None:
    """Wait for the app's workers; one superseded by a newer one in its group counts as done."""
    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        break
    await pilot.pause()


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run (timers, thread workers, messages) until `condition` holds."""
    for _ in range(500):
        await pilot.pause(0.01)
        if condition():
            await settled(pilot)
            return
    raise AssertionError(f"the app never reached: {what}")


@dataclass
class Installation:
    ctx: Context
    server: SandboxServer
    config: Path
