"""Bad input gets one clear message and an exit code, never an internal error, a hang or a side
effect (issue 20, failures 5-8). Real subprocesses on an installation on the sandbox, SQLite and (where
the database matters) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.store.tables import Post
from tests.support.cli import Result, run_smtool
from tests.support.sandbox import write_installation

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim."


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(new_sandbox_state(seed=20), port=0, seed=20).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def folder(tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installation on the sandbox, on SQLite."""
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", sandbox)
    return tmp_path


def _run(folder: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    result = run_smtool(*args, cwd=folder, stdin=stdin, env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in result.err and "Internal error" not in result.err, result.err
    return result


def _refused(result: Result, *words: str, code: int = 2) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    for word in words:
        assert word in result.err, result.err


def _posts(folder: Path) -> int:
    from sqlmodel import func, select

    with Context.open(load_settings(folder / "config.toml")) as ctx, ctx.db.read() as session:
        return int(session.exec(select(func.count()).select_from(Post)).one())


# --- 6: files named on the command line are regular files of a bounded size ---------------------------


def test_a_config_that_is_a_device_a_folder_or_nested_deep_is_refused_at_once(folder: Path) -> None:
    _refused(_run(folder, "--config", "/dev/zero", "post", "list"), "/dev/zero is not a regular file")
    _refused(_run(folder, "--config", str(folder), "post", "list"), "is a folder")
    deep = folder / "deep.toml"
    deep.write_text('[institution]\nname = "x"\n[checker]\nallowed_names = ' + "[" * 10_000 + "]" * 10_000)
    _refused(_run(folder, "--config", str(deep), "post", "list"), "nested too deeply")
    huge = folder / "huge.toml"
    huge.write_bytes(b"#" * (1024 * 1024 + 1))
    _refused(_run(folder, "--config", str(huge), "post", "list"), "larger than 1 MiB")


def test_a_checkpoint_that_is_a_device_or_not_json_is_refused_at_once(folder: Path) -> None:
    _refused(_run(folder, "audit", "verify", "--checkpoint", "/dev/zero"), "not a regular file")
    deep = folder / "deep.json"
    deep.write_text("[" * 20_000 + "]" * 20_000)
    _refused(_run(folder, "audit", "verify", "--checkpoint", str(deep)), "not a checkpoint file")


def test_a_post_or_csv_file_that_is_a_device_is_refused(folder: Path) -> None:
    _refused(_run(folder, "post", "import", "/dev/zero", "--as", "anna"), "not a regular file")
    _refused(_run(folder, "check", "--file", "/dev/zero"), "not a regular file")
    assert _posts(folder) == 0


# --- 5: a NUL in a CSV, on both databases -------------------------------------------------------------


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_csv_with_a_nul_names_its_line_and_imports_nothing(
    tmp_path: Path,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    database: str,
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'smtool.db'}"
    if database == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
    write_installation(tmp_path, url, sandbox)
    rows = tmp_path / "posts.csv"
    rows.write_text(f"account,at,text\nsandbox-x,,{TEXT}\nsandbox-x,,Teksts\x00ar NUL\n", encoding="utf-8")
    result = _run(tmp_path, "post", "import", str(rows), "--as", "anna")
    _refused(result, "line 3 has a NUL character")
    assert "INSERT" not in result.err and "SELECT" not in result.err
    assert _posts(tmp_path) == 0
