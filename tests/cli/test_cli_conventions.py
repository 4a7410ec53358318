"""The CLI's own conventions, as a new user meets them (issue 18): exit codes (findings and failed
operations 1, usage and configuration 2), options with a fixed set of values, list paging, one time
format for people, and what the commands say. Real subprocesses on an installation on the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from tests.support.cli import Result, run_smtool
from tests.support.sandbox import write_installation

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim."
# The checker blocks this: a personal opinion on an institution's account.
OPINION = "Es personīgi uzskatu, ka šis lēmums ir kļūdains."


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installation on the sandbox with one citizen's mention in the inbox."""
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=18), port=0, seed=18).start()
    try:
        config = write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server)
        server.sandbox.inject_mention(server.account("x").id, "Kad būs atbilde?", None)
        with Context.open(load_settings(config)) as ctx:
            assert Ingestor(ctx).poll_all()["new"] == 1
        yield tmp_path
    finally:
        server.stop()


def _run(folder: Path, *args: str, stdin: str = "") -> Result:
    result = run_smtool(*args, cwd=folder, stdin=stdin)
    assert "Traceback" not in result.err and "Internal error" not in result.err, result.err
    return result


def _post(folder: Path, text: str = TEXT, *extra: str) -> int:
    created = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", *extra, text)
    assert created.code == 0, created.err
    return int(created.out)


def _item(folder: Path) -> int:
    listed = _run(folder, "inbox", "list", "--json", "--as", "liga")
    return int(json.loads(listed.out)[0]["id"])


# --- 6: a date is not a phone number -------------------------------------------------------------------


def test_a_date_and_time_are_not_a_phone_number(folder: Path) -> None:
    checked = _run(folder, "check", "Pasākums notiks 2026-12-03 plkst. 10:00")
    assert checked.code == 0 and "phone" not in checked.out, checked.out


# --- 7: findings exit 1, bad input 2 ---------------------------------------------------------------------


def test_a_post_or_reply_blocked_by_findings_exits_1_and_bad_input_still_2(folder: Path) -> None:
    post_id = _post(folder, OPINION)
    blocked = _run(folder, "post", "submit", str(post_id), "--as", "anna")
    assert blocked.code == 1, blocked.err
    assert "voice." in blocked.err and "Invalid input" not in blocked.err
    item = _item(folder)
    reply = _run(folder, "inbox", "reply", str(item), OPINION, "--as", "liga")
    assert reply.code == 1 and "cannot go out as written" in reply.err, reply.err
    assert _run(folder, "inbox", "reply", str(item), "  ", "--as", "liga").code == 2  # no text: usage


# --- 11: an import names CSV lines, never a post that was not created --------------------------------


def test_import_blocked_by_findings_names_the_line_not_a_post(folder: Path) -> None:
    (folder / "posts.csv").write_text(
        f'account,at,text\nsandbox-x,,{TEXT}\nsandbox-x,,"{OPINION}"\n', encoding="utf-8"
    )
    result = _run(folder, "post", "import", "posts.csv", "--as", "anna")
    assert result.code == 2
    assert "line 3: the text has errors an approver must waive first: voice." in result.err, result.err
    assert "post " not in result.err.replace("posts.csv", "")
    assert json.loads(_run(folder, "post", "list", "--json").out) == []
