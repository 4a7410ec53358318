from __future__ import annotations

from pathlib import Path

import pytest

from smtool.checker import Engine

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(POLICIES, ["lv-public-sector", "lv-incoming"])
