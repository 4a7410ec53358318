"""Signed audit checkpoints: a log rewritten since a checkpoint is found even when its chain was
recomputed; a checkpoint that is not this installation's is refused."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from smtool.config import load_settings
from smtool.errors import SecretError, UsageError
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.services.records import audit
from smtool.services.records.checkpoints import (
    CheckpointRefused,
    check_against,
    check_newest,
    take_checkpoint,
    write_checkpoint,
)
from smtool.store.tables import AuditEvent
from smtool.worker import Worker
from tests.support.databases import BASE_CONFIG


def _append(ctx: Context, n: int) -> None:
    for i in range(n):
        with ctx.db.write() as session:
            audit.append(session, actor="anna", action="post.edit", subject_type="post", subject_id=i)


def _rewrite_chain(ctx: Context, row_offset: int, actor: str) -> None:
    """What someone with write access to the database could do: change a row and re-hash every
    row after it, so the chain alone verifies again."""
    with ctx.db.write() as session:
        rows = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
        rows[row_offset].actor = actor
        prev = audit.GENESIS
        for row in rows:
            row.prev_hash = prev
            row.hash = audit.event_hash(
                prev,
                at=row.at,
                actor=row.actor,
                action=row.action,
                subject_type=row.subject_type,
                subject_id=row.subject_id,
                payload=row.payload,
            )
            prev = row.hash
            session.add(row)


def test_a_checkpoint_verifies_while_the_log_only_grows(ctx: Context, tmp_path: Path) -> None:
    _append(ctx, 3)
    fields = write_checkpoint(ctx, tmp_path / "cp.json", "admin")
    _append(ctx, 4)
    result = check_against(ctx, tmp_path / "cp.json")
    assert result.ok and result.covered_rows == fields["rows"]
    assert result.rows_now == fields["rows"] + 1 + 4  # the checkpoint itself is audited
    assert ctx.settings.signing_key_path.stat().st_mode & 0o777 == 0o600


def test_a_row_rewritten_before_the_checkpoint_fails_though_the_chain_verifies(
    ctx: Context, tmp_path: Path
) -> None:
    _append(ctx, 5)
    write_checkpoint(ctx, tmp_path / "cp.json", "admin")
    _append(ctx, 2)
    _rewrite_chain(ctx, 2, "mallory")
    assert audit.verify(ctx.db).ok  # the chain alone cannot tell
    result = check_against(ctx, tmp_path / "cp.json")
    assert not result.ok and "rewritten" in (result.reason or "")


def test_deleted_rows_fail_against_the_checkpoint(ctx: Context, tmp_path: Path) -> None:
    _append(ctx, 5)
    write_checkpoint(ctx, tmp_path / "cp.json", "admin")
    with ctx.db.engine.begin() as connection:
        last = connection.execute(text("SELECT max(id) FROM audit_events")).scalar()
        connection.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": int(last) - 2})
    result = check_against(ctx, tmp_path / "cp.json")
    assert not result.ok and "deleted" in (result.reason or "")


def test_checkpoints_that_are_not_ours_are_refused(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another installation: same database kind, its own institution and keys.
    other = tmp_path / "other"
    other.mkdir()
    config = other / "config.toml"
    config.write_text(
        BASE_CONFIG.format(url=f"sqlite:///{other / 'o.db'}").replace("Testa iestāde", "Cita iestāde"),
        encoding="utf-8",
    )
    initialise(config, actor="test")
    with Context.open(load_settings(config)) as elsewhere:
        write_checkpoint(elsewhere, tmp_path / "theirs.json", "admin")
    with pytest.raises(CheckpointRefused, match="Cita iestāde"):
        check_against(ctx, tmp_path / "theirs.json")

    # Same institution name, another key.
    theirs = json.loads((tmp_path / "theirs.json").read_text(encoding="utf-8"))
    theirs["institution"] = ctx.settings.institution.name
    (tmp_path / "renamed.json").write_text(json.dumps(theirs), encoding="utf-8")
    with pytest.raises(CheckpointRefused, match="not with this installation's signing key"):
        check_against(ctx, tmp_path / "renamed.json")

    # Ours, altered after signing.
    ours = write_checkpoint(ctx, tmp_path / "ours.json", "admin")
    (tmp_path / "altered.json").write_text(json.dumps({**ours, "rows": 1}), encoding="utf-8")
    with pytest.raises(CheckpointRefused, match="altered"):
        check_against(ctx, tmp_path / "altered.json")

    (tmp_path / "cut.json").write_text((tmp_path / "ours.json").read_text()[:40], encoding="utf-8")
    with pytest.raises(CheckpointRefused, match="not JSON"):
        check_against(ctx, tmp_path / "cut.json")


def test_without_a_signing_key_nothing_is_written(ctx: Context, tmp_path: Path) -> None:
    ctx.settings.signing_key_path.unlink()
    rows = audit.verify(ctx.db).rows
    with pytest.raises(SecretError, match="smtool init"):
        write_checkpoint(ctx, tmp_path / "cp.json", "admin")
    assert not (tmp_path / "cp.json").exists() and audit.verify(ctx.db).rows == rows


def test_a_checkpoint_into_a_folder_is_refused_and_nothing_is_audited(ctx: Context, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    folder.mkdir()
    rows = audit.verify(ctx.db).rows
    with pytest.raises(UsageError, match="is a folder"):
        write_checkpoint(ctx, folder, "admin")
    assert audit.verify(ctx.db).rows == rows and list(folder.iterdir()) == []
    assert not list(tmp_path.glob(".*.partial"))


def test_an_earlier_checkpoint_is_never_overwritten(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    write_checkpoint(ctx, path, "admin")
    kept = path.read_bytes()
    rows = audit.verify(ctx.db).rows
    with pytest.raises(UsageError, match="already exists"):
        write_checkpoint(ctx, path, "admin")
    assert path.read_bytes() == kept and audit.verify(ctx.db).rows == rows


def test_a_checkpoint_with_a_field_of_the_wrong_kind_is_refused_naming_it(
    ctx: Context, tmp_path: Path
) -> None:
    ours = write_checkpoint(ctx, tmp_path / "ours.json", "admin")
    for field, value in [("public_key", 7), ("institution", ["Testa iestāde"]), ("last_id", "3")]:
        path = tmp_path / f"{field}.json"
        path.write_text(json.dumps({**ours, field: value}), encoding="utf-8")
        with pytest.raises(CheckpointRefused, match=f"incomplete \\(missing or malformed: {field}\\)$"):
            check_against(ctx, path)
    gone = {k: v for k, v in ours.items() if k not in ("rows", "signature")}
    (tmp_path / "gone.json").write_text(json.dumps(gone), encoding="utf-8")
    with pytest.raises(CheckpointRefused, match="missing or malformed: rows, signature"):
        check_against(ctx, tmp_path / "gone.json")


def _cut_newest_rows(ctx: Context, n: int) -> None:
    """What someone with write access to the database could do: drop the log's newest rows."""
    with ctx.db.engine.begin() as connection:
        last = connection.execute(text("SELECT max(id) FROM audit_events")).scalar()
        connection.execute(text("DELETE FROM audit_events WHERE id > :id"), {"id": int(last) - n})


def test_the_worker_checkpoints_at_start_and_daily_and_cut_rows_are_found(ctx: Context) -> None:
    """Issue 20, failure 12: cutting the newest rows was found only against a checkpoint someone
    thought to take and keep; the worker now writes one into the configured folder at start and
    daily, and the newest one there is what the log is checked against."""
    assert check_newest(ctx) is None  # none yet: nothing to check against
    worker = Worker(ctx)
    assert (worker.checkpoint, timedelta(days=1)) in worker.jobs()
    _append(ctx, 5)
    worker.checkpoint()
    _append(ctx, 1)
    worker.checkpoint()  # the next day's
    first, second = sorted(ctx.settings.checkpoint_folder.iterdir())
    assert ctx.settings.checkpoint_folder == ctx.settings.base_dir / "checkpoints"
    newest = check_newest(ctx)
    assert newest is not None and newest.path == second and newest.check.ok
    assert timedelta(0) <= newest.age < timedelta(minutes=5)
    with ctx.db.read() as session:
        actors = session.exec(select(AuditEvent.actor).where(AuditEvent.action == "audit.checkpoint")).all()
    assert actors == [worker.publisher.me] * 2

    _cut_newest_rows(ctx, 2)  # the second checkpoint's own row and the one before it
    assert audit.verify(ctx.db).ok  # the chain alone cannot tell
    cut = check_newest(ctx)
    assert cut is not None and not cut.check.ok and "rows were deleted" in (cut.check.reason or "")
    assert check_against(ctx, first).ok  # the older checkpoint covers fewer rows


def test_a_worker_that_cannot_checkpoint_logs_it_and_goes_on(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    ctx.settings.signing_key_path.unlink()
    with caplog.at_level(logging.ERROR, logger="smtool.worker"):
        Worker(ctx).checkpoint()
    assert "audit checkpoint not written: no signing key" in caplog.text
    assert not ctx.settings.checkpoint_folder.exists() or not any(ctx.settings.checkpoint_folder.iterdir())


def test_the_checkpoint_folder_is_configurable_and_only_its_checkpoints_count(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    initialise(config_file, actor="test")
    elsewhere = tmp_path / "mounted" / "cp"
    settings = load_settings(config_file, env={"SMTOOL_SECURITY_CHECKPOINT_FOLDER": str(elsewhere)})
    with Context.open(settings) as context:
        path, fields = take_checkpoint(context, "admin")
        assert path.parent == elsewhere and json.loads(path.read_text(encoding="utf-8")) == fields
        (elsewhere / "audit-checkpoint-99999999T999999.999999Z.json.bak").write_text("{}", encoding="utf-8")
        (elsewhere / "notes.txt").write_text("kept by hand", encoding="utf-8")
        newest = check_newest(context)
        assert newest is not None and newest.path == path and newest.check.ok
