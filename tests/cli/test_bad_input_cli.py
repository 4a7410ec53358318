"""Bad input gets one clear message and an exit code, never an internal error, a hang or a side
effect (issue 20, failures 5-8). Real subprocesses on an installation on the sandbox, SQLite and (where
the database matters) PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.store.tables import Post
from tests.support.cli import Result, run_smtool, without_smtool_settings
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


# --- 5: bytes that are not UTF-8, in arguments, variables and standard input ---------------------------

# How Python hands over the byte 0xFF of a command line or the environment (surrogateescape).
BAD_BYTE = "\udcff"


@pytest.mark.parametrize(
    ("args", "env", "where"),
    [
        (("post", "new", "--as", "anna", "--account", "sandbox-x", f"Teksts {BAD_BYTE}"), {}, "argument 7"),
        (("post", "new", "--as", f"an{BAD_BYTE}na", "--account", "sandbox-x", TEXT), {}, "argument 4"),
        (("post", "new", "--as", "anna", "--account", f"sandbox{BAD_BYTE}", TEXT), {}, "argument 6"),
        (("post", "new", "--account", "sandbox-x", TEXT), {"SMTOOL_USER": f"a{BAD_BYTE}"}, "SMTOOL_USER"),
    ],
)
def test_arguments_and_variables_that_are_not_utf8_are_refused_before_anything_runs(
    folder: Path, args: tuple[str, ...], env: dict[str, str], where: str
) -> None:
    result = _run(folder, *args, env=env)
    _refused(result, f"{where}", "is not UTF-8 text", "\\xff")
    assert _posts(folder) == 0


@pytest.mark.parametrize(
    ("args", "what"),
    [(("account", "set-token", "sandbox-x"), "the token"), (("user", "add-key", "anna"), "the public key")],
)
def test_standard_input_that_is_not_utf8_is_refused(folder: Path, args: tuple[str, ...], what: str) -> None:
    environment = without_smtool_settings()
    done = subprocess.run(
        [sys.executable, "-m", "smtool", *args],
        cwd=folder,
        input=b"tok\xffen\n",
        capture_output=True,
        env=environment,
        timeout=60,
        check=False,
    )
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2 and "Internal error" not in err, err
    assert "standard input is not UTF-8 text (byte 3)" in err and what in err


# --- 5: ids, page sizes, cursors and times out of range -------------------------------------------

BIG = str(2**63)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("post", "show", BIG), "less than or equal to 9223372036854775807"),
        (("post", "approve", "1", BIG, "--as", "karlis"), "less than or equal to 9223372036854775807"),
        (("post", "edit", "1", TEXT, "--version", BIG, "--as", "anna"), "'--version'"),
        (("inbox", "show", BIG, "--as", "liga"), "less than or equal to 9223372036854775807"),
        (("inbox", "resolve", "0", "--as", "liga"), "greater than or equal to 1"),
        (("retention", "hold", "--post", BIG, "--reason", "C-12"), "'--post'"),
        (("retention", "lift", BIG, "--reason", "x"), "less than or equal to"),
        (("inbox", "list", "--limit", BIG, "--as", "liga"), "less than or equal to 10000"),
        (("post", "list", "--after", "9" * 30), "is not a page cursor"),
        (("publications", "list", "--after", f"{BIG}:1"), "is not a page cursor"),
        (
            ("post", "new", "--as", "anna", "--account", "sandbox-x", "--at", "0001-01-01 00:00", TEXT),
            "out of range",
        ),
        (
            ("post", "new", "--as", "anna", "--account", "sandbox-x", "--at", "9999-12-31 23:59", TEXT),
            "out of range",
        ),
        (("report", "cadence", "--from", "0001-01-01"), "out of range"),
        (("account", "connect", "sandbox-x", "--port", "99999999"), "'--port'"),
    ],
)
def test_numbers_and_times_out_of_range_are_usage_errors(
    folder: Path, args: tuple[str, ...], expected: str
) -> None:
    # Each ended in "Internal error: OverflowError" (or was accepted and failed later).
    _refused(_run(folder, *args), expected)
    assert _posts(folder) == 0


def test_a_database_url_that_is_not_one_is_a_configuration_error(folder: Path) -> None:
    result = _run(folder, "post", "list", env={"SMTOOL_DATABASE_URL": "postgresql+psycopg://:::/"})
    _refused(result, "is not a database URL")


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


# --- 7: no folder made and no file written over -------------------------------------------------------


def test_report_and_archive_outputs_make_no_folder_and_write_over_nothing(folder: Path) -> None:
    kept = folder / "kept.html"
    kept.write_text("mine", encoding="utf-8")
    for args in [
        ("report", "engagement", "-f", "html", "-o", "new/sub/r.html"),
        ("report", "engagement", "-f", "html", "-o", "kept.html"),
        ("archive", "export", "--from", "2026-01-01", "--to", "2026-01-31", "--output", "new/sub/a.zip"),
        ("archive", "export", "--from", "2026-01-01", "--to", "2026-01-31", "--output", "kept.html"),
    ]:
        result = _run(folder, *args)
        assert result.code == 2, (args, result.err)
        assert any(w in result.err for w in ("does not exist", "No such file", "already exists")), result.err
    assert not (folder / "new").exists() and kept.read_text(encoding="utf-8") == "mine"


# --- 8: citizens' text is inert in JSON and in the terminal ------------------------------------------

# A CSI (C1), a right-to-left override, a zero-width space and a line separator, each of which a
# terminal would act on or hide.
HOSTILE = "Kad\u009b2J būs\u202e atbilde\u200b?\u2028Paldies"


def _mention(folder: Path, sandbox: SandboxServer, text: str) -> None:
    from smtool.services.monitoring.ingest import Ingestor

    sandbox.sandbox.inject_mention(sandbox.account("x").id, text, None)
    with Context.open(load_settings(folder / "config.toml")) as ctx:
        assert Ingestor(ctx).poll_all()["new"] == 1


def test_inbox_json_escapes_controls_bidi_and_zero_width_and_keeps_the_data(
    folder: Path, sandbox: SandboxServer
) -> None:
    _mention(folder, sandbox, HOSTILE)
    listed = _run(folder, "inbox", "list", "--json", "--as", "liga")
    assert listed.code == 0, listed.err
    for char in "\u009b\u202e\u200b\u2028":
        assert char not in listed.out
    assert "\\u009b2J" in listed.out and "\\u202e" in listed.out and "būs" in listed.out
    [item] = json.loads(listed.out)
    assert item["text"].endswith(HOSTILE)  # the same data for a script (after the @mention)
    shown = _run(folder, "inbox", "show", str(item["id"]), "--json", "--as", "liga")
    assert json.loads(shown.out)["text"] == item["text"] and "\u2028" not in shown.out


def test_inbox_show_makes_a_line_separator_visible(folder: Path, sandbox: SandboxServer) -> None:
    _mention(folder, sandbox, HOSTILE)
    item_id = json.loads(_run(folder, "inbox", "list", "--json", "--as", "liga").out)[0]["id"]
    shown = _run(folder, "inbox", "show", str(item_id), "--as", "liga")
    assert shown.code == 0, shown.err
    assert "\u2028" not in shown.out and "<U+2028>" in shown.out
    assert "\u009b" not in shown.out and "\u202e" not in shown.out


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
