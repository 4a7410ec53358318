"""Signed audit checkpoints: a log rewritten since a checkpoint is found even when its chain was
recomputed; a checkpoint that is not this installation's is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from smtool.config import load_settings
from smtool.errors import SecretError, UsageError
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.services.records import audit
from smtool.services.records.checkpoints import CheckpointRefused, check_against, write_checkpoint
from smtool.store.tables import AuditEvent
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
