"""Rotating the key that encrypts platform tokens, with no moment where a token is unreadable.

Order of a rotation (`rotate`):

1. every stored token is checked to open with the keys in use; if one does not, nothing changes;
2. a new key is put first in the key file, the old keys after it: from now on every process that
   loads the keys (each token read does) decrypts both old and new tokens;
3. each token is re-encrypted under the new key (MultiFernet.rotate) in its own short transaction,
   its row locked, so a token stored at the same moment is never overwritten with an older one;
4. in one transaction that locks every account row, each token is checked to open with the new key
   alone; only then are the old keys removed from the file. A token stored meanwhile with an old key
   (its writer loaded the keys before step 2) is re-encrypted first and the check repeated.

A reader that loaded the keys just before step 2 and reads a row after step 3 retries once with the
keys reloaded (`accounts.get_token`), so it sees the new key. With SMTOOL_SECRET_KEY instead of a key
file, smtool cannot change the keys of running processes: put the new key first in the variable of
every process (old keys after it), restart them, run the rotation, then remove the old keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlmodel import Session, col, select

from smtool.errors import SecretError, UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.files import write_whole
from smtool.services.installation.secrets import KEY_ENV, key_lines, parse_keys
from smtool.services.records import audit
from smtool.store.tables import Account, AppCredential

# What is encrypted with the key: each account's access and refresh token, each app's secret.
_ACCOUNT_FIELDS = ("token_encrypted", "refresh_encrypted")
_APP_FIELDS = ("secret_encrypted",)

# Step 4 repeats while writers keep storing tokens with an old key; they cannot for long.
_MAX_FINAL_PASSES = 10


@dataclass(frozen=True)
class Rotation:
    tokens: int
    """Tokens re-encrypted under the new key."""
    retired: int
    """Old keys removed from the key file (0 with SMTOOL_SECRET_KEY: remove them there)."""
    from_environment: bool


# The command that prints a new Fernet key, quoted in a message (a command: never translated).
_NEW_FERNET_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def rotate(ctx: Context, actor: str) -> Rotation:
    """Re-encrypt every stored token under a new key, then retire the old keys.

    Raises SecretError (nothing changed) when the keys are missing or malformed or a stored token
    does not open with them; UsageError when SMTOOL_SECRET_KEY holds a single key.
    """
    from_environment = bool(os.environ.get(KEY_ENV))
    if from_environment:
        lines = [k.strip() for k in os.environ[KEY_ENV].split(",") if k.strip()]
        if len(lines) < 2:
            raise UsageError(
                _(
                    "{variable} holds one key: put a new key first in it, the old one after "
                    "(comma-separated), in every smtool process, then rotate. A new key: {command}"
                ).format(
                    variable=KEY_ENV,
                    command=_NEW_FERNET_KEY,
                )
            )
        new, old = lines[0], lines[1:]
    else:
        new, old = Fernet.generate_key().decode("ascii"), key_lines(ctx.settings)
    everything = parse_keys([new, *old], KEY_ENV if from_environment else str(ctx.settings.key_path))
    _check_all_open(ctx, parse_keys(old, "the key in use"))
    if not from_environment:
        write_whole(ctx.settings.key_path, _file_text([new, *old]), mode=0o600)
    tokens = sum(_rotate_row(ctx, account_id, new, everything) for account_id in _token_holders(ctx))
    for _attempt in range(_MAX_FINAL_PASSES):  # not `_`: it translates the error below
        done, late = _retire(ctx, actor, new, everything, old, tokens, from_environment)
        tokens += late
        if done:
            return Rotation(tokens, 0 if from_environment else len(old), from_environment)
    raise SecretError(
        _(
            "tokens kept being stored with the old key while rotating; the old keys are kept (every "
            "token still opens). Run `smtool keys rotate` again when no one is setting tokens."
        )
    )


def _file_text(keys: list[str]) -> bytes:
    return ("\n".join(keys) + "\n").encode("ascii")


def _token_holders(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        return list(
            session.exec(
                select(Account.id)
                .where(
                    col(Account.token_encrypted).is_not(None) | col(Account.refresh_encrypted).is_not(None)
                )
                .order_by(col(Account.id))
            ).all()
        )


def _check_all_open(ctx: Context, keys: MultiFernet) -> None:
    with ctx.db.read() as session:
        rows = [
            (row.id, getattr(row, name))
            for row in session.exec(select(Account)).all()
            for name in _ACCOUNT_FIELDS
        ] + [
            (f"app {row.platform}", row.secret_encrypted) for row in session.exec(select(AppCredential)).all()
        ]
    closed = []
    for account_id, blob in rows:
        if blob is None:
            continue
        try:
            keys.decrypt(blob)
        except InvalidToken:
            closed.append(account_id)
    if closed:
        raise SecretError(
            _(
                "the stored token of {accounts} does not open with the key in use (a wrong key?); nothing "
                "was changed. Configure the right key, or store those tokens again first."
            ).format(accounts=", ".join(sorted(closed)))
        )


def _opens_with(key: str, blob: bytes) -> bool:
    try:
        Fernet(key.encode("ascii")).decrypt(blob)
    except InvalidToken:
        return False
    return True


def _rotate_row(ctx: Context, account_id: str, new: str, keys: MultiFernet) -> int:
    with ctx.db.write() as session:
        account = session.get(Account, account_id, with_for_update=True)
        return 0 if account is None else _rotate_fields(session, account, _ACCOUNT_FIELDS, new, keys)


def _rotate_fields(
    session: Session, row: Account | AppCredential, fields: tuple[str, ...], new: str, keys: MultiFernet
) -> int:
    """Re-encrypt the row's encrypted fields that do not open with the new key; 1 if any did not."""
    changed = 0
    for name in fields:
        blob = getattr(row, name)
        if blob is not None and not _opens_with(new, blob):
            setattr(row, name, keys.rotate(blob))
            changed = 1
    if changed:
        session.add(row)
    return changed


def _retire(
    ctx: Context,
    actor: str,
    new: str,
    keys: MultiFernet,
    old: list[str],
    tokens: int,
    from_environment: bool,
) -> tuple[bool, int]:
    """One final pass; (True, 0) when every token opened with the new key and the old keys are gone."""
    with ctx.db.write() as session:
        # Locking every account row holds off set_token until the key file says what it should use.
        accounts = session.exec(select(Account).order_by(col(Account.id)).with_for_update()).all()
        apps = session.exec(
            select(AppCredential).order_by(col(AppCredential.platform)).with_for_update()
        ).all()
        late = sum(_rotate_fields(session, account, _ACCOUNT_FIELDS, new, keys) for account in accounts)
        late += sum(_rotate_fields(session, app, _APP_FIELDS, new, keys) for app in apps)
        if late:
            return False, late  # committed; the next pass checks again before retiring
        if not from_environment:
            write_whole(ctx.settings.key_path, _file_text([new]), mode=0o600)
        audit.append(
            session,
            actor=actor,
            action="keys.rotate",
            subject_type="installation",
            subject_id=ctx.settings.institution.name,
            # Never a key: only what happened.
            payload={"tokens": tokens, "retired_keys": 0 if from_environment else len(old)},
        )
        return True, 0
