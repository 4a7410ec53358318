"""Training installations (in-process sandbox) on SQLite and PostgreSQL, deterministic data, Pilot helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from connectors.base import IncomingItem
from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation.accounts import sync_from_settings
from smtool.services.monitoring.ingest import Ingestor
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.screens.moderation import ReplyModal
from tests.services.conftest import write_installation

MORE_USERS = """
[[users]]
name = "toms"
roles = ["press_officer"]
team = "press"

[[users]]
name = "admin"
roles = ["admin"]

[[users]]
name = "janis"
roles = ["specialist"]
team = "e-services"

[[users]]
name = "eva"
roles = ["communicator"]
"""

# Fixed so that snapshots and ids do not depend on the clock.
RECEIVED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
# The TUI's "now" in tests: a Monday (Riga winter time, UTC+2), years ahead so that services, which
# refuse past times against the real clock, accept the week's times too.
NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


@dataclass
class Installation:
    ctx: Context
    server: SandboxServer
    config: Path


def _installation(folder: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    monkeypatch.setattr(ComposeScreen, "DEBOUNCE_SECONDS", 0.01)
    monkeypatch.setattr(ReplyModal, "DEBOUNCE_SECONDS", 0.01)
    server = SandboxServer(new_sandbox_state(seed=3), port=0, seed=3).start()
    try:
        config = write_installation(folder, db_url, server)
        config.write_text(config.read_text(encoding="utf-8") + MORE_USERS, encoding="utf-8")
        settings = load_settings(config)
        with Context.open(settings) as ctx:
            with ctx.db.write() as session:
                sync_from_settings(session, settings, "test")
            yield Installation(ctx, server, config)
    finally:
        server.stop()


@pytest.fixture
def installation(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    """A training installation on each database (the flows that write)."""
    yield from _installation(tmp_path, db_url, monkeypatch)


@pytest.fixture
def sqlite_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    """A training installation on SQLite only (looks and read-only behaviour)."""
    yield from _installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", monkeypatch)


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
