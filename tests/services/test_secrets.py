from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import col, select

from smtool.errors import NotFound, PermissionDenied, SecretError, UsageError
from smtool.services.context import Context
from smtool.services.installation.accounts import get_token, set_token
from smtool.store.tables import AuditEvent

TOKEN = "EAAB-very-secret-page-token-1234567890"


def test_tokens_are_never_stored_in_plain_text(ctx: Context, tmp_path: Path) -> None:
    set_token(ctx, "vk-fb", TOKEN, "admin")
    assert get_token(ctx, "vk-fb") == TOKEN
    with ctx.db.engine.connect() as connection:
        for table in ("accounts", "audit_events"):
            dump = " ".join(str(row) for row in connection.execute(text(f"SELECT * FROM {table}")))
            assert TOKEN not in dump
    ctx.db.dispose()
    for file in tmp_path.glob("smtool.db*"):  # the SQLite file and its WAL
        assert TOKEN.encode() not in file.read_bytes()


def test_the_key_file_is_private(ctx: Context) -> None:
    assert ctx.settings.key_path.stat().st_mode & 0o777 == 0o600


def test_a_wrong_key_gives_a_clear_message(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    set_token(ctx, "vk-x", TOKEN, "admin")
    monkeypatch.setenv("SMTOOL_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretError, match="cannot be decrypted"):
        get_token(ctx, "vk-x")


def test_an_old_key_still_reads_after_a_new_one_is_put_first(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_token(ctx, "vk-x", TOKEN, "admin")
    old = ctx.settings.key_path.read_text().strip()
    monkeypatch.setenv("SMTOOL_SECRET_KEY", f"{Fernet.generate_key().decode()},{old}")
    assert get_token(ctx, "vk-x") == TOKEN


def test_bad_tokens_and_accounts_write_nothing(ctx: Context) -> None:
    with pytest.raises(UsageError):
        set_token(ctx, "vk-x", "   ", "admin")
    with pytest.raises(UsageError):
        set_token(ctx, "vk-x", "two words", "admin")
    with pytest.raises(NotFound):
        set_token(ctx, "nope", TOKEN, "admin")
    with pytest.raises(NotFound, match="set-token"):
        get_token(ctx, "vk-x")


def test_a_malformed_key_is_reported(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTOOL_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretError, match="SMTOOL_SECRET_KEY"):
        set_token(ctx, "vk-x", TOKEN, "admin")


def test_only_the_operator_or_an_admin_sets_a_token_and_a_refusal_is_audited(ctx: Context) -> None:
    set_token(ctx, "vk-x", TOKEN, "local:smtool")  # the installation's own OS account, no --as
    set_token(ctx, "vk-fb", TOKEN, "admin")
    for who in ("anna", "stranger"):
        with pytest.raises(PermissionDenied):
            set_token(ctx, "vk-x", "EAAB-someone-elses-token", who)
    assert get_token(ctx, "vk-x") == TOKEN
    with ctx.db.read() as session:
        refused = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "access.denied")).all()
    assert [(e.actor, e.subject_id) for e in refused] == [
        ("anna", "account.set_token"),
        ("stranger", "account.set_token"),
    ]
