"""Key rotation: every token stays readable throughout, even for readers and writers running at the
same time, and the old key is retired only when no token needs it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from smtool.errors import SecretError, UsageError
from smtool.services.context import Context
from smtool.services.installation.accounts import get_token, set_token
from smtool.services.installation.keys import rotate
from smtool.store.tables import Account, AppCredential, AuditEvent
from tests.support.waiting import wait_until

TOKENS = {"vk-x": "x-token-0123456789", "vk-fb": "EAAB-page-token-0123456789"}


def _blobs(ctx: Context) -> dict[str, bytes | None]:
    with ctx.db.read() as session:
        return {a.id: a.token_encrypted for a in session.exec(select(Account))}


def _store(ctx: Context) -> None:
    for account_id, token in TOKENS.items():
        set_token(ctx, account_id, token, "admin")


def test_rotation_re_encrypts_every_token_and_retires_the_old_key(ctx: Context) -> None:
    _store(ctx)
    old_key = ctx.settings.key_path.read_text().split()
    before = _blobs(ctx)
    result = rotate(ctx, "admin")
    assert result.tokens == 2 and result.retired == 1
    (new_key,) = ctx.settings.key_path.read_text().split()
    assert new_key not in old_key and ctx.settings.key_path.stat().st_mode & 0o777 == 0o600
    after = _blobs(ctx)
    for account_id, token in TOKENS.items():
        assert after[account_id] != before[account_id]
        assert Fernet(new_key).decrypt(after[account_id] or b"").decode() == token
        assert get_token(ctx, account_id) == token
    with ctx.db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "keys.rotate")).one()
    assert new_key not in event.payload and old_key[0] not in event.payload


def test_rotation_re_encrypts_refresh_tokens_and_app_secrets_too(ctx: Context) -> None:
    from smtool.services.installation.secrets import encrypt, load_keys
    from smtool.services.installation.tokens import set_app

    _store(ctx)
    set_app(ctx, "x", "client-1", "app-secret-0123", "admin")
    with ctx.db.write() as session:
        x = session.get(Account, "vk-x")
        assert x is not None
        x.refresh_encrypted = encrypt(load_keys(ctx.settings), "refresh-0123")
    rotate(ctx, "admin")
    (new_key,) = ctx.settings.key_path.read_text().split()
    with ctx.db.read() as session:
        x = session.get(Account, "vk-x")
        app = session.get(AppCredential, "x")
        assert x is not None and x.refresh_encrypted is not None
        assert app is not None and app.secret_encrypted is not None
        assert Fernet(new_key).decrypt(x.refresh_encrypted) == b"refresh-0123"
        assert Fernet(new_key).decrypt(app.secret_encrypted) == b"app-secret-0123"


def test_concurrent_readers_and_writers_never_see_an_unreadable_token(ctx: Context) -> None:
    _store(ctx)
    stop = threading.Event()
    failures: list[str] = []
    reads = 0

    def read() -> None:
        nonlocal reads
        while not stop.is_set():
            for account_id, token in TOKENS.items():
                try:
                    value = get_token(ctx, account_id)
                except SecretError as error:
                    failures.append(str(error))
                    continue
                if value != token:
                    failures.append(f"{account_id}: {value!r}")
                reads += 1

    def write() -> None:
        while not stop.is_set():
            set_token(ctx, "vk-fb", TOKENS["vk-fb"], "admin")

    threads = [threading.Thread(target=read), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            rotate(ctx, "admin")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == [] and reads > 0
    (key,) = ctx.settings.key_path.read_text().split()
    for account_id, blob in _blobs(ctx).items():
        assert blob is None or Fernet(key).decrypt(blob).decode() == TOKENS[account_id]


def test_a_wrong_key_changes_nothing(ctx: Context) -> None:
    _store(ctx)
    before = _blobs(ctx)
    ctx.settings.key_path.write_text(Fernet.generate_key().decode() + "\n")
    wrong = ctx.settings.key_path.read_text()
    with pytest.raises(SecretError, match="vk-fb, vk-x does not open with the key in use"):
        rotate(ctx, "admin")
    assert ctx.settings.key_path.read_text() == wrong and _blobs(ctx) == before

    ctx.settings.key_path.write_text("not-a-key\n")
    with pytest.raises(SecretError, match="does not hold a valid key"):
        rotate(ctx, "admin")
    assert _blobs(ctx) == before


def test_with_the_environment_variable_the_new_key_comes_first_in_it(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = ctx.settings.key_path.read_text().strip()
    monkeypatch.setenv("SMTOOL_SECRET_KEY", old)
    _store(ctx)
    with pytest.raises(UsageError, match="put a new key first"):
        rotate(ctx, "admin")
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("SMTOOL_SECRET_KEY", f"{new},{old}")
    result = rotate(ctx, "admin")
    assert result.from_environment and result.tokens == 2
    monkeypatch.setenv("SMTOOL_SECRET_KEY", new)  # the old key removed, as the command says
    assert {a: get_token(ctx, a) for a in TOKENS} == TOKENS
    assert ctx.settings.key_path.read_text().strip() == old  # the file was not touched


def test_a_reader_holding_the_keys_from_before_the_rotation_still_reads(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The narrow race made certain: keys loaded just before the rotation, the row read after it."""
    from smtool.services.installation import secrets, tokens

    _store(ctx)
    stale = [secrets.load_keys(ctx.settings)]
    rotate(ctx, "admin")

    def load_keys_racing(settings: object) -> object:
        return stale.pop() if stale else secrets.load_keys(ctx.settings)

    monkeypatch.setattr(tokens, "load_keys", load_keys_racing)
    assert get_token(ctx, "vk-x") == TOKENS["vk-x"] and stale == []


_READER = """
import sys, time
from pathlib import Path
from smtool.config import load_settings
from smtool.errors import SecretError
from smtool.services.installation.accounts import get_token
from smtool.services.context import Context

config, stop, ready = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
reads = failures = 0
with Context.open(load_settings(config)) as ctx:
    while not stop.exists():
        for account_id in ("vk-x", "vk-fb"):
            try:
                get_token(ctx, account_id)
                reads += 1
            except SecretError:
                failures += 1
        ready.touch()
print(reads, failures)
"""


def test_a_worker_process_reading_tokens_during_rotations_never_fails(ctx: Context, tmp_path: Path) -> None:
    _store(ctx)
    assert ctx.settings.source is not None
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(ctx.settings.source), str(stop), str(ready)],
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SMTOOL_SECRET_KEY"},
    )
    try:
        # Rotate only once the reader is reading: on a loaded machine its start-up alone can take
        # longer than ten rotations, and then the test would prove nothing (reads == 0).
        wait_until(lambda: ready.exists() or reader.poll() is not None, "the reader process starts reading")
        assert ready.exists(), "the reader process never read a token"
        for _ in range(10):
            rotate(ctx, "admin")
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    reads, failures = (int(n) for n in out.split())
    assert failures == 0 and reads > 0
