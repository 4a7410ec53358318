"""Training installations (in-process sandbox) on SQLite and PostgreSQL, deterministic data, Pilot helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation import directory
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.screens.moderation import ReplyModal
from tests.support.sandbox import write_installation
from tests.support.tui import Installation, fixed_clock

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


def _installation(folder: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    monkeypatch.setattr(ComposeScreen, "DEBOUNCE_SECONDS", 0.01)
    monkeypatch.setattr(ReplyModal, "DEBOUNCE_SECONDS", 0.01)
    server = SandboxServer(new_sandbox_state(seed=3), port=0, seed=3).start()
    try:
        config = write_installation(folder, db_url, server)
        config.write_text(config.read_text(encoding="utf-8") + MORE_USERS, encoding="utf-8")
        settings = load_settings(config)
        with Context.open(settings, clock=fixed_clock) as ctx:
            directory.apply(ctx, settings, "local:test")
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
