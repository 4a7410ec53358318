"""Records and security commands driven as a person would: a real process in an empty folder.

Exit codes: 0 ok, 1 a failed check (a rewritten log, a modified archive), 2 input that cannot be
used (not a checkpoint of ours, not a readable zip, a wrong key); never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import Result, run_smtool, without_smtool_settings
from tests.support.databases import BASE_CONFIG


@pytest.fixture
def installed(smtool, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "config.toml").write_text(BASE_CONFIG.format(url="sqlite:///smtool.db"), encoding="utf-8")
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

    (tmp_path / "kept").mkdir()
    into_folder = installed("audit", "checkpoint", "--output", "kept")
    assert (
        into_folder.code == 2 and "is a folder" in into_folder.err and not any((tmp_path / "kept").iterdir())
    )

    # Rows the checkpoint covers deleted: a failed check, exit 1.
    with sqlite3.connect(tmp_path / "smtool.db") as connection:
        connection.execute("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
        connection.execute("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
    cut = installed("audit", "verify", "--checkpoint", "cp.json")
    assert cut.code == 1 and "rows were deleted" in cut.err


def test_audit_verify_checks_the_newest_checkpoint_a_worker_wrote(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 20, failure 12: a worker writes a checkpoint when it starts; `audit verify` checks the
    newest one in the folder, says how old it is, and finds the newest rows cut from the log."""
    alone = installed("audit", "verify")
    assert alone.code == 0 and alone.out.startswith("OK") and "No checkpoint in" in alone.err

    folder = tmp_path / "checkpoints"
    env = without_smtool_settings()
    worker = subprocess.Popen(
        [sys.executable, "-m", "smtool", "worker"], cwd=tmp_path, env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not (folder.is_dir() and any(folder.iterdir())) and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker wrote no checkpoint at start"
            time.sleep(0.2)
    finally:
        worker.terminate()
        _, log = worker.communicate(timeout=30)
    assert "Traceback" not in log.decode(), log.decode()
    (written,) = folder.iterdir()
    assert written.name.startswith("audit-checkpoint-")

    made = installed("audit", "checkpoint")  # by hand: a new one into the folder
    assert made.code == 0 and "checkpoints/audit-checkpoint-" in made.out, made.err
    ok = installed("audit", "verify")
    assert ok.code == 0, ok.err
    assert (
        "OK: the" in ok.out and "of the newest checkpoint, audit-checkpoint-" in ok.out and " s ago" in ok.out
    )
    report = json.loads(installed("audit", "verify", "--json").out)
    assert report["ok"] and report["checkpoint"]["ok"] and 0 <= report["checkpoint"]["age_seconds"] < 300

    with sqlite3.connect(tmp_path / "smtool.db") as connection:
        connection.execute("DELETE FROM audit_events WHERE id >= (SELECT max(id) - 1 FROM audit_events)")
    cut = installed("audit", "verify")
    assert cut.code == 1 and cut.out.startswith("OK:")  # the chain alone verifies
    assert "FAILED against the newest checkpoint" in cut.err and "rows were deleted" in cut.err


def test_keys_rotate_and_a_wrong_key(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet

    from smtool.config import load_settings
    from smtool.services.context import Context
    from smtool.services.installation.accounts import set_token

    # A token as stored (`account set-token` asks the platform first; here there is none to ask).
    with Context.open(load_settings(tmp_path / "config.toml")) as ctx:
        set_token(ctx, "vk-x", "token-123", "admin")
    old = (tmp_path / "smtool.key").read_text()
    rotated = installed("keys", "rotate")
    assert rotated.code == 0 and "Re-encrypted 1 token" in rotated.out, rotated.err
    assert (tmp_path / "smtool.key").read_text() != old

    wrong = Fernet.generate_key().decode() + "\n"
    (tmp_path / "smtool.key").write_text(wrong)
    refused = installed("keys", "rotate")
    assert refused.code == 2 and "nothing was changed" in refused.err
    assert (tmp_path / "smtool.key").read_text() == wrong


def test_archive_export_verify_and_bad_archives(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    made = installed("archive", "export", "--from", "2026-01-01", "--to", "2026-12-31", "--output", "a.zip")
    assert made.code == 0 and "Wrote a.zip" in made.out, made.err
    ok = installed("archive", "verify", "a.zip", "--json")
    assert ok.code == 0 and json.loads(ok.out)["ok"] is True

    with zipfile.ZipFile(tmp_path / "a.zip") as source, zipfile.ZipFile(tmp_path / "b.zip", "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data + b"x" if name.endswith("bag-info.txt") else data)
    modified = installed("archive", "verify", "b.zip")
    assert modified.code == 1 and "FAILED: the signature in bag-info.txt does not match" in modified.err

    # A third party checks the archive with the exported public key, without the installation.
    exported = installed("keys", "public")
    assert exported.code == 0 and exported.out.startswith("-----BEGIN PUBLIC KEY-----"), exported.err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "vk.pub").write_text(exported.out, encoding="utf-8")
    for name in ("a.zip", "b.zip"):
        (elsewhere / name).write_bytes((tmp_path / name).read_bytes())
    away = run_smtool("archive", "verify", "--public-key", "vk.pub", "a.zip", cwd=elsewhere)
    assert away.code == 0 and away.out.startswith("OK: signed with key"), away.err
    signer = exported.err.split("fingerprint: ")[1].strip()
    assert f"signed with key {signer}:" in made.out and f"signed with key {signer};" in away.out
    assert run_smtool("archive", "verify", "--public-key", "vk.pub", "b.zip", cwd=elsewhere).code == 1
    keyless = run_smtool("archive", "verify", "a.zip", cwd=elsewhere)
    assert keyless.code == 2 and "--public-key FILE" in keyless.err and "Traceback" not in keyless.err
    for bad in ("a.zip", "/dev/zero", "nowhere.pub"):
        refused = run_smtool("archive", "verify", "--public-key", bad, "a.zip", cwd=elsewhere)
        assert refused.code == 2 and "public key" in refused.err and "Traceback" not in refused.err

    data = (tmp_path / "a.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) - 40])
    cut = installed("archive", "verify", "cut.zip")
    assert cut.code == 2 and "truncated or damaged" in cut.err

    again = installed("archive", "export", "--from", "2026-01-01", "--to", "2026-01-02", "--output", "a.zip")
    assert again.code == 2 and "already exists" in again.err
    bad = installed("archive", "export", "--from", "2026-13-01", "--to", "2026-12-31", "--output", "c.zip")
    assert bad.code == 2 and "YYYY-MM-DD" in bad.err and not (tmp_path / "c.zip").exists()
    edge = installed("archive", "export", "--from", "2026-01-01", "--to", "9999-12-31", "--output", "c.zip")
    assert edge.code == 2 and "out of range" in edge.err and not (tmp_path / "c.zip").exists()


def test_retention_hold_lift_and_purge(installed) -> None:  # type: ignore[no-untyped-def]
    placed = installed("retention", "hold", "--account", "vk-x", "--reason", "Lieta 7", "--as", "admin")
    assert placed.code == 0 and "Placed legal hold 1" in placed.out, placed.err
    holds = installed("retention", "holds", "--json")
    assert [(h["scope"], h["subject_id"]) for h in json.loads(holds.out)] == [("account", "vk-x")]
    refused = installed("retention", "purge", "--as", "anna")
    assert refused.code == 1 and "anna may not manage" in refused.err
    two = installed("retention", "hold", "--post", "1", "--all", "--reason", "x", "--as", "admin")
    assert two.code == 2 and "one of --post" in two.err
    purged = installed("retention", "purge", "--dry-run", "--as", "admin", "--json")
    assert purged.code == 0 and json.loads(purged.out)["deleted"]["post"] == 0
    lifted = installed("retention", "lift", "1", "--reason", "slēgta", "--as", "admin")
    assert lifted.code == 0 and installed("retention", "holds").out.startswith("No legal holds")
