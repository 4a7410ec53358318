"""The emergency stop during a CSV import (issue 20, item 3): `pause --all` gets through at once
while another process imports thousands of rows, and an import written after a pause says that
nothing of it goes out until publishing is resumed.

The import checks its rows without a transaction open and writes them in one short one; it used to
hold the write lock for minutes, and `pause --all` failed with "database is locked".
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smtool.services.context import Context
from smtool.store.tables import Post
from tests.support.cli import run_smtool, without_smtool_settings

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties sabiedriskajā apspriešanā, paziņojums {n}."
ROWS = 8000


def _plan(folder: Path, rows: int) -> Path:
    next_year = date.today().year + 1  # always in the future
    lines = [
        f"{'vk-x' if n % 2 else 'vk-fb'},{next_year}-05-{1 + n // 600:02d} "
        f"{8 + n % 600 // 60:02d}:{n % 60:02d},{TEXT.format(n=n)}"
        for n in range(rows)
    ]
    path = folder / "plan.csv"
    path.write_text("account,at,text\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _submitted(folder: Path) -> int:
    listed = run_smtool("post", "list", "--state", "submitted", "--json", "--limit", "1000", cwd=folder)
    assert listed.code == 0, listed.err
    return len(json.loads(listed.out))


@pytest.mark.slow
def test_pause_all_gets_through_while_another_process_imports_thousands_of_rows(
    ctx: Context, tmp_path: Path
) -> None:
    plan = _plan(tmp_path, ROWS)
    importer = subprocess.Popen(
        [sys.executable, "-m", "smtool", "post", "import", str(plan), "--as", "anna"],
        cwd=tmp_path,
        env=without_smtool_settings(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stops = 0
    try:
        while importer.poll() is None:
            result = run_smtool("pause", "--all", "--reason", "krīze", "--as", "karlis", cwd=tmp_path)
            # The emergency stop never waits for the import, so it never meets a locked database.
            assert result.code == 0, result.err
            assert "locked" not in result.err
            stops += importer.poll() is None
        out, err = importer.communicate(timeout=120)
    finally:
        importer.kill()
    assert importer.returncode == 0, err
    assert out.startswith(f"Imported and submitted {ROWS:,} posts: 1, 2, 3"), out[:200]
    assert stops >= 2, "pause --all should run again and again while the import runs"
    assert "all publishing is paused (krīze)" in out  # the last pause came before the write
    verified = run_smtool("audit", "verify", cwd=tmp_path)
    assert verified.code == 0, verified.out + verified.err
    with ctx.db.read() as session:
        assert session.execute(select(func.count()).select_from(Post)).scalar_one() == ROWS


def test_an_import_written_after_a_pause_is_submitted_and_says_it_waits_for_resume(
    ctx: Context, tmp_path: Path
) -> None:
    """A pause stops publishing, not writing: the posts are submitted (nothing goes out before an
    approver approves them) and the worker sends none of them while the pause lasts; the import
    reads the pause in its write transaction and says so."""
    paused = run_smtool("pause", "--all", "--reason", "krīze", "--as", "karlis", cwd=tmp_path)
    assert paused.code == 0, paused.err
    plan = _plan(tmp_path, 3)
    result = run_smtool("post", "import", str(plan), "--as", "anna", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Imported and submitted 3 posts" in result.out
    assert "Not sent yet: all publishing is paused (krīze)" in result.out, result.out
    assert _submitted(tmp_path) == 3
    run_smtool("resume", "--all", "--as", "karlis", cwd=tmp_path)
    again = run_smtool("post", "import", str(plan), "--as", "anna", cwd=tmp_path)
    assert again.code == 0 and "Not sent yet" not in again.out, again.out
