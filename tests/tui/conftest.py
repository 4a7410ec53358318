"""A training installation (SQLite, in-process sandbox) with a second press officer, and Pilot helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from connectors.base import IncomingItem
from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.accounts import sync_from_settings
from smtool.services.context import Context
from smtool.services.ingest import Ingestor
from smtool.tui.screens.compose import ComposeScreen
from tests.services.conftest import write_installation

SECOND_OFFICER = """
[[users]]
name = "toms"
roles = ["press_officer"]
team = "press"
"""

# Fixed so that snapshots and ids do not depend on the clock.
RECEIVED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@dataclass
class Installation:
    ctx: Context
    server: SandboxServer
    config: Path


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    monkeypatch.setattr(ComposeScreen, "DEBOUNCE_SECONDS", 0.01)
    server = SandboxServer(new_sandbox_state(seed=3), port=0, seed=3).start()
    try:
        config = write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server)
        config.write_text(config.read_text(encoding="utf-8") + SECOND_OFFICER, encoding="utf-8")
        settings = load_settings(config)
        with Context.open(settings) as ctx:
            with ctx.db.write() as session:
                sync_from_settings(session, settings, "test")
            yield Installation(ctx, server, config)
    finally:
        server.stop()


def add_items(ctx: Context, *texts: str, author: str = "@iedzivotajs", name: str = "Iedzīvotājs") -> None:
    """Mentions on sandbox-x with fixed ids and times (they need no platform: not for hiding)."""
    items = [
        IncomingItem(
            "x", str(5000 + n), "sandbox-x", "mention", "42", name, author, text, RECEIVED, None, None
        )
        for n, text in enumerate(texts)
    ]
    Ingestor(ctx).store("sandbox-x", "test", None, items, None)


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run (timers, thread workers, messages) until `condition` holds."""
    app: App[None] = pilot.app
    for _ in range(300):
        await pilot.pause(0.01)
        if condition():
            await app.workers.wait_for_complete()
            await pilot.pause()
            return
    raise AssertionError(f"the app never reached: {what}")
