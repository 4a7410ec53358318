"""The institution's signing key: an Ed25519 key that signs audit checkpoints and publications' seals.

It lives in its own file next to the token key (`[security] signing_key_file`, PEM, mode 0600), made
by `smtool init`. It is separate from the token key because the two have different lives: the token
key is rotated (`smtool keys rotate`) and its old versions destroyed, while checkpoints signed years
ago must still verify against the signing key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session

from smtool.config import Settings
from smtool.errors import SecretError, UsageError
from smtool.i18n import _
from smtool.services.context import SIGNING_KEY_OPTION
from smtool.small_files import read_small

# A PEM Ed25519 public key is 113 bytes; anything much larger is not one.
_PUBLIC_KEY_LIMIT = 4096


def create_signing_key(path: Path) -> bool:
    """Create a new signing key file readable only by its owner; False when one already exists."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return True


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The installation's signing key; raises SecretError when it is missing or unreadable."""
    return _load(settings.signing_key_path)


def signing_key_for(session: Session) -> Ed25519PrivateKey:
    """The signing key of the installation whose database `session` writes; raises SecretError when
    it is missing, unreadable, or the database was not opened through a Context.

    For code handed only a session: publishing.replies.queue_reply seals a reply inside its
    caller's transaction."""
    path = session.get_bind().get_execution_options().get(SIGNING_KEY_OPTION)
    if not path:
        raise SecretError(_("no signing key is known for this database; open it with Context.open"))
    return _load(Path(path))


def _load(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SecretError(
            _("no signing key: {file} does not exist. Run `smtool init`; it creates missing keys.").format(
                file=path
            )
        ) from None
    except OSError as e:
        raise SecretError(
            _("cannot read the signing key {file}: {reason}").format(file=path, reason=e.strerror)
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SecretError(
            _("{file} does not hold a signing key (an Ed25519 PEM key as `smtool init` makes)").format(
                file=path
            )
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SecretError(_("{file} holds a key that is not Ed25519").format(file=path))
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    """The public key as a PEM SubjectPublicKeyInfo, as `openssl pkey -pubout` writes it: what
    `smtool keys public` gives to whoever verifies an archive away from this installation."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file: PEM (`smtool keys public`) or the base64 of its 32 bytes (a checkpoint's
    `public_key`). Raises UsageError for a file that is not one."""
    what = _("the public key file `smtool keys public` wrote")
    data = read_small(path, _PUBLIC_KEY_LIMIT, what)
    key: object = None
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        pass
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(
            _("{file} does not hold an Ed25519 public key; give {what}").format(file=path, what=what)
        )
    return key


def public_text(key: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes: what a checkpoint names as its signer."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public: str) -> str:
    """A short name of a public key for messages: the start of its SHA-256."""
    return hashlib.sha256(public.encode("utf-8")).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


def signature_holds(key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
