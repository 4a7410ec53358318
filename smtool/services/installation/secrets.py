"""Platform tokens at rest: encrypted with MultiFernet, never in config, logs or audit payloads.

The key comes from SMTOOL_SECRET_KEY (comma-separated, newest first, so a rotation can keep an older
key for reading) or from the key file `smtool init` creates with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from smtool.config import Settings
from smtool.errors import SecretError
from smtool.i18n import _

KEY_ENV = "SMTOOL_SECRET_KEY"


def create_key_file(path: Path) -> bool:
    """Create a new key file readable only by its owner; False when one already exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
    return True


def parse_keys(keys: list[str], where: str) -> MultiFernet:
    """The keys as one MultiFernet, the first encrypting; raises SecretError for a malformed key."""
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys if k.strip()])
    except (ValueError, TypeError):
        raise SecretError(
            _("{where} does not hold a valid key (32 url-safe base64 bytes, as `smtool init` makes)").format(
                where=where
            )
        ) from None


def load_keys(settings: Settings) -> MultiFernet:
    """The keys in use; raises SecretError when none is configured or a key is malformed."""
    if os.environ.get(KEY_ENV):
        return parse_keys(os.environ[KEY_ENV].split(","), KEY_ENV)
    return parse_keys(key_lines(settings), _("the key file {file}").format(file=settings.key_path))


def key_lines(settings: Settings) -> list[str]:
    """The keys of the key file, newest first; raises SecretError when it is missing or empty."""
    path = settings.key_path
    try:
        lines = path.read_text(encoding="ascii").split()
    except FileNotFoundError:
        raise SecretError(
            _("no secret key: {file} does not exist. Run `smtool init` or set {variable}.").format(
                file=path, variable=KEY_ENV
            )
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SecretError(
            _("cannot read the key file {file}: {reason}").format(file=path, reason=e)
        ) from None
    if not lines:
        raise SecretError(_("the key file {file} is empty").format(file=path))
    parse_keys(lines, _("the key file {file}").format(file=path))
    return lines


def encrypt(keys: MultiFernet, token: str) -> bytes:
    return keys.encrypt(token.encode("utf-8"))


def decrypt(keys: MultiFernet, blob: bytes, account_id: str) -> str:
    """Raises SecretError when no configured key opens the token (wrong or rotated-away key)."""
    try:
        return keys.decrypt(blob).decode("utf-8")
    except InvalidToken:
        raise SecretError(
            _(
                "the stored token of account {account} cannot be decrypted with the configured "
                "key; set the right SMTOOL_SECRET_KEY or store the token again"
            ).format(account=account_id)
        ) from None
