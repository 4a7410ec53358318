"""Fixtures: an installation whose accounts live on an in-process sandbox platform."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from tests.support.sandbox import Sandbox, write_installation


@pytest.fixture
def sandbox(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=3), port=0, seed=3).start()
    try:
        yield Sandbox(server, write_installation(tmp_path, db_url, server))
    finally:
        server.stop()


@pytest.fixture
def sctx(sandbox: Sandbox) -> Iterator[Context]:
    with Context.open(load_settings(sandbox.config)) as context:
        yield context
