from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Result, run_smtool


@pytest.fixture
def smtool(tmp_path: Path):  # type: ignore[no-untyped-def]
    def call(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        result = run_smtool(*args, cwd=tmp_path, stdin=stdin, env=env)
        assert "Traceback" not in result.err, result.err
        return result

    return call
