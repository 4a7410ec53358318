"""Files written whole (services.files), and the report files that go through it."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from smtool.config import load_settings
from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.files import CannotWrite, NotPrivate, replacing, write_whole
from smtool.services.installation.setup import initialise
from smtool.services.reports.formats import write_file
from tests.support.databases import BASE_CONFIG


def _disk_error(fd: int) -> None:
    raise OSError(errno.EIO, os.strerror(errno.EIO))


def test_a_writer_that_fails_part_way_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_bytes(b"the old key\n")
    with pytest.raises(RuntimeError), replacing(key) as temporary:
        with temporary.open("wb") as out:
            out.write(b"half of the new")
        raise RuntimeError("the writer broke")
    assert key.read_bytes() == b"the old key\n"
    assert list(tmp_path.iterdir()) == [key]


def test_a_folder_is_refused_and_the_reason_is_the_systems(tmp_path: Path) -> None:
    with pytest.raises(CannotWrite) as info:
        write_whole(tmp_path, b"x")
    assert info.value.msg == f"{tmp_path} is a folder; give the name of a file to write"
    assert info.value.reason == "Is a directory"


def test_a_report_the_disk_could_not_flush_leaves_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "engagement.csv"
    report.write_bytes(b"last week\n")
    monkeypatch.setattr(os, "fsync", _disk_error)
    with pytest.raises(UsageError) as info:
        write_file(report, b"this week\n" * 10_000, new=False)
    assert info.value.msg == f"cannot write {report}: Input/output error; choose another file or folder"
    assert report.read_bytes() == b"last week\n"
    assert list(tmp_path.iterdir()) == [report]


def test_a_new_report_file_a_person_names_makes_no_folder_and_replaces_nothing(tmp_path: Path) -> None:
    kept = tmp_path / "kept.csv"
    kept.write_bytes(b"mine")
    with pytest.raises(UsageError, match="already exists"):
        write_file(kept, b"a,b\n", new=True)
    with pytest.raises(UsageError, match="does not exist; create it first"):
        write_file(tmp_path / "new" / "r.csv", b"a,b\n", new=True)
    assert kept.read_bytes() == b"mine" and not (tmp_path / "new").exists()


def test_a_report_file_is_made_with_its_folder_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "2025" / "cadence.html"
    write_file(report, b"<!DOCTYPE html>", new=False)
    assert report.read_bytes() == b"<!DOCTYPE html>"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("target", "reason"),
    [("folder", "Is a directory"), ("file/r.csv", "File exists"), ("file/sub/r.csv", "Not a directory")],
)
def test_a_report_path_that_cannot_be_a_file_is_refused_in_the_reports_words(
    tmp_path: Path, target: str, reason: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        write_file(tmp_path / target, b"a,b\n", new=False)
    assert info.value.msg == f"cannot write {tmp_path / target}: {reason}; choose another file or folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]
    assert not any((tmp_path / "folder").iterdir())


# --- private files ------------------------------------------------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask most systems give: files readable by everyone unless smtool says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir() if p.is_file()}


def test_init_keeps_the_config_database_and_keys_to_the_installation_account(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    initialise(tmp_path / "config.toml", actor="test")
    modes = _modes(tmp_path)
    for name in ("config.toml", "smtool.db", "smtool.key", "smtool-signing.key"):
        assert modes[name] == 0o600, f"{name} is {modes[name]:04o}"
    # SQLite's journal files take the database's mode.
    assert all(mode == 0o600 for name, mode in modes.items() if name.startswith("smtool.db-"))


def test_a_shared_installation_will_not_start_while_its_files_are_open_to_others(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    config = tmp_path / "config.toml"
    initialise(config, actor="test")
    config.write_text(config.read_text(encoding="utf-8") + '\n[access]\nmode = "shared"\n', encoding="utf-8")
    settings = load_settings(config)
    database = tmp_path / "smtool.db"
    database.chmod(0o644)  # e.g. copied in from a backup
    with pytest.raises(NotPrivate) as refused:
        Context.open(settings)
    assert str(database) in refused.value.msg and f"chmod 600 {database}" in refused.value.msg
    assert refused.value.exit_code == 2
    database.chmod(0o600)
    (tmp_path / "smtool.key").chmod(0o640)
    with pytest.raises(NotPrivate, match=r"smtool\.key"):
        Context.open(settings)
    (tmp_path / "smtool.key").chmod(0o600)
    with Context.open(settings) as ctx:
        assert ctx.settings.access.mode == "shared"
    # `init` (run again, or after restoring a backup) makes them private.
    database.chmod(0o644)
    config.chmod(0o664)
    initialise(config, actor="test")
    assert _modes(tmp_path)["smtool.db"] == _modes(tmp_path)["config.toml"] == 0o600
    # A personal installation (one person's own files) is not refused for a readable database.
    database.chmod(0o644)
    personal = config.read_text(encoding="utf-8").replace('mode = "shared"', 'mode = "personal"')
    config.write_text(personal, encoding="utf-8")
    with Context.open(load_settings(config)):
        pass


def test_init_says_which_file_it_cannot_make_private(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    config = tmp_path / "config.toml"
    initialise(config, actor="test")
    key = tmp_path / "smtool.key"

    def refused(path: Path, mode: int) -> None:
        if path == key:
            raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "chmod", refused)
    with pytest.raises(NotPrivate, match=r"cannot make .*smtool\.key private: Operation not permitted"):
        initialise(config, actor="test")


def test_a_shared_installation_will_not_start_while_others_may_write_in_its_folder(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files 0600 in a folder others may write in can be replaced by them (a config naming another
    # database, a key of their own): the folder is as secret as the files.
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    folder = tmp_path / "installation"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(
        BASE_CONFIG.format(url="sqlite:///smtool.db") + '\n[access]\nmode = "shared"\n', encoding="utf-8"
    )
    initialise(config, actor="test")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o775)
    with pytest.raises(NotPrivate) as refused:
        Context.open(load_settings(config))
    assert f"other accounts may write in {folder}" in refused.value.msg
    assert f"chmod 700 {folder}" in refused.value.msg
    folder.chmod(0o755)  # readable is not enough to replace anything
    with Context.open(load_settings(config)):
        pass
    folder.chmod(0o775)
    initialise(config, actor="test")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    media = folder / "media"
    media.mkdir(mode=0o755)
    with pytest.raises(NotPrivate, match=r"the media store .*media is open to other accounts \(mode 0755\)"):
        Context.open(load_settings(config))
    initialise(config, actor="test")
    assert stat.S_IMODE(media.stat().st_mode) == 0o700
