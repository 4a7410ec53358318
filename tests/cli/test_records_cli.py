"""Records and security commands driven as a person would: a real process in an empty folder.

Exit codes: 0 ok, 1 a failed check (a rewritten log, a modified archive), 2 input that cannot be
used (not a checkpoint of ours, not a readable zip, a wrong key); never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Result


@pytest.fixture
def installed(smtool, tmp_path: Path):  # type: ignore[no-untyped-def]
    result: Result = smtool("init")
    assert result.code == 0, result.err
    assert (tmp_path / "smtool-signing.key").stat().st_mode & 0o777 == 0o600
    return smtool


def test_checkpoint_then_verify_and_bad_checkpoints(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = installed("audit", "checkpoint", "--output", "cp.json")
    assert made.code == 0, made.err
    ok = installed("audit", "verify", "--checkpoint", "cp.json")
    assert ok.code == 0 and ok.out.startswith("OK"), ok.err

    data = json.loads((tmp_path / "cp.json").read_text(encoding="utf-8"))
    (tmp_path / "other.json").write_text(json.dumps({**data, "institution": "Cita"}), encoding="utf-8")
    other = installed("audit", "verify", "--checkpoint", "other.json")
    assert other.code == 2 and "Cita" in other.err and "not of this installation" in other.err

    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    bad = installed("audit", "verify", "--checkpoint", "bad.json")
    assert bad.code == 2 and "not a checkpoint file" in bad.err

    missing = installed("audit", "verify", "--checkpoint", "nowhere.json")
    assert missing.code == 2 and "does not exist" in missing.err
