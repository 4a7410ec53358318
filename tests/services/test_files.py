"""Files written whole (services.files), and the report files that go through it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from smtool.errors import UsageError
from smtool.services.files import CannotWrite, replacing, write_whole
from smtool.services.reports.formats import write_file


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
        write_file(report, b"this week\n" * 10_000)
    assert info.value.msg == f"cannot write {report}: Input/output error; choose another file or folder"
    assert report.read_bytes() == b"last week\n"
    assert list(tmp_path.iterdir()) == [report]


def test_a_report_file_is_made_with_its_folder_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "2025" / "cadence.html"
    write_file(report, b"<!DOCTYPE html>")
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
        write_file(tmp_path / target, b"a,b\n")
    assert info.value.msg == f"cannot write {tmp_path / target}: {reason}; choose another file or folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]
    assert not any((tmp_path / "folder").iterdir())
