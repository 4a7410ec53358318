"""People's SSH public keys: added by an admin, listed, revoked; each proves one person.

A key is parsed and checked with `cryptography` before it is stored: ed25519, ECDSA and RSA of
3072 bits or more are accepted; DSA, shorter RSA, private keys, authorized_keys options, several
keys at once and anything else are refused with a message saying what to give instead. The
fingerprint is the one `ssh-keygen -lf` prints, so an admin can compare it with what the person
reads on their own machine. A revoked key keeps its row (who could act, and until when) and can
never be added again: it may have been lost or copied.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from smtool.domain.roles import Action, can
from smtool.domain.timezones import format_local
from smtool.errors import InvalidTransition, NotFound, PermissionDenied, UsageError
from smtool.i18n import N_, _, format_day
from smtool.services.context import Context
from smtool.services.people import is_operator, require_manager, user_roles
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import User, UserKey
from smtool.store.types import utcnow

ACCEPTED_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
)
MIN_RSA_BITS = 3072
FINGERPRINT_PREFIX = "SHA256:"
# Longer than any accepted key line (RSA 16384 with a long comment); anything bigger is not a key.
MAX_KEY_TEXT = 16_384
_MAX_COMMENT = 200
# Control characters have no place in a key line; tab separates fields, newlines separate lines.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NEW_KEY = N_("make one with `ssh-keygen -t ed25519` and give its .pub file")  # `new_key` in messages


@dataclass(frozen=True)
class PublicKey:
    """One validated OpenSSH public key."""

    key_type: str
    blob: str
    """The key's base64, canonical (as sshd passes it to AuthorizedKeysCommand as %k)."""
    comment: str | None
    fingerprint: str


@dataclass(frozen=True)
class KeyView:
    user: str
    key_type: str
    blob: str
    fingerprint: str
    comment: str | None
    added_by: str
    added_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None


def fingerprint(blob: bytes) -> str:
    """The key's SHA-256 fingerprint exactly as `ssh-keygen -lf` prints it."""
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii")
    return FINGERPRINT_PREFIX + digest.rstrip("=")


def parse_public_key(text: str) -> PublicKey:
    """Validate one OpenSSH public key line ("TYPE BASE64 [COMMENT]", a .pub file's content).

    Raises UsageError saying what is wrong and what to give instead.
    """
    if len(text) > MAX_KEY_TEXT:
        raise UsageError(
            _("that is not an OpenSSH public key (over {length} characters); {new_key}").format(
                length=MAX_KEY_TEXT, new_key=_(_NEW_KEY)
            )
        )
    text = text.replace("\r\n", "\n")
    if _CONTROL.search(text):
        raise UsageError(_("the key contains a control character; give the .pub file as ssh-keygen wrote it"))
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        raise UsageError(_("no public key given; {new_key}").format(new_key=_(_NEW_KEY)))
    if any("PRIVATE KEY" in line or line.startswith("PuTTY-User-Key-File") for line in lines):
        raise UsageError(
            _("that is a private key: never share it. Give the public key, the .pub file beside it")
        )
    if lines[0].startswith("---- BEGIN SSH2 PUBLIC KEY"):
        raise UsageError(
            _("that is an RFC 4716 public key; convert it with `ssh-keygen -i -f FILE` and give the result")
        )
    if len(lines) > 1:
        raise UsageError(_("several lines given; add one key at a time (one line, TYPE BASE64 [COMMENT])"))
    line = lines[0]
    fields = line.split(maxsplit=2)
    key_type = fields[0]
    if key_type not in ACCEPTED_TYPES:
        raise UsageError(_unaccepted(key_type, fields))
    if len(fields) < 2:
        raise UsageError(
            _("the {type} key has no key data after its type; {new_key}").format(
                type=key_type, new_key=_(_NEW_KEY)
            )
        )
    try:
        raw = base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(
            _("the {type} key's data is not valid base64 (damaged or cut short)").format(type=key_type)
        ) from None
    blob = base64.b64encode(raw).decode("ascii")
    try:
        key = serialization.load_ssh_public_key(f"{key_type} {blob}".encode("ascii"))
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(
            _("the {type} key's data is not a valid {type} key (damaged or cut short)").format(type=key_type)
        ) from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise UsageError(
            _(
                "the RSA key has {bits} bits, too few to trust; RSA needs {least} bits or more "
                "(`ssh-keygen -t rsa -b 4096`), or better an ed25519 key (`ssh-keygen -t ed25519`)"
            ).format(bits=key.key_size, least=MIN_RSA_BITS)
        )
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise UsageError(
            _("a {type} key is not accepted; {new_key}").format(type=key_type, new_key=_(_NEW_KEY))
        )
    comment = fields[2].strip()[:_MAX_COMMENT] if len(fields) > 2 else ""
    return PublicKey(key_type, blob, comment or None, fingerprint(raw))


def _unaccepted(key_type: str, fields: list[str]) -> str:
    if key_type == "ssh-dss":
        return _("DSA keys are weak and OpenSSH no longer accepts them; {new_key}").format(
            new_key=_(_NEW_KEY)
        )
    if "-cert-" in key_type:
        return _("{type} is an SSH certificate; give the plain public key it certifies ({new_key})").format(
            type=key_type, new_key=_(_NEW_KEY)
        )
    if key_type.startswith("sk-"):
        return _("security-key (FIDO) keys such as {type} are not supported yet; {new_key}").format(
            type=key_type, new_key=_(_NEW_KEY)
        )
    if any(field in ACCEPTED_TYPES or field == "ssh-dss" for field in fields[1:]) or "=" in key_type:
        return _(
            "the line starts with authorized_keys options; give the key alone (TYPE BASE64 [COMMENT]): "
            "smtool adds the options every key needs"
        )
    return _("that is not an OpenSSH public key (expected TYPE BASE64 [COMMENT]); {new_key}").format(
        new_key=_(_NEW_KEY)
    )


def _may_manage(ctx: Context, actor: str) -> bool:
    """The installation's operator (its OS account) may; a named user needs the admin's role."""
    return is_operator(actor) or can(user_roles(ctx.settings, actor), Action.MANAGE)


@audits_refusals("user.add_key")
def add_key(ctx: Context, actor: str, user: str, public_key_line: str) -> KeyView:
    """Register a public key as `user`'s; the operator or an admin may.

    Raises PermissionDenied, UsageError (not a key smtool accepts, or a key already registered,
    naming its owner) or NotFound (no such active user); nothing is written then.
    """
    require_manager(ctx.settings, actor)
    key = parse_public_key(public_key_line)
    try:
        with ctx.db.write() as session:
            person = session.get(User, user)
            if person is None or not person.active:
                raise NotFound(_("no user {user}; see `smtool user list`").format(user=repr(user)))
            _refuse_known(session, key, user)
            row = UserKey(
                user_name=user,
                key_type=key.key_type,
                key_blob=key.blob,
                fingerprint=key.fingerprint,
                comment=key.comment,
                added_by=actor,
            )
            session.add(row)
            session.flush()
            audit.append(
                session,
                actor=actor,
                action="user.add_key",
                subject_type="user",
                subject_id=user,
                payload={"fingerprint": key.fingerprint, "key_type": key.key_type, "comment": key.comment},
            )
            return _view(row)
    except IntegrityError:
        # Someone added the same key between our check and our insert (PostgreSQL; SQLite serialises).
        raise UsageError(
            _("the key {fingerprint} was just added by someone else; see `smtool user keys`").format(
                fingerprint=key.fingerprint
            )
        ) from None


def _refuse_known(session: Session, key: PublicKey, user: str) -> None:
    known = session.exec(select(UserKey).where(UserKey.fingerprint == key.fingerprint)).first()
    if known is None:
        return
    if known.revoked_at is not None:
        raise UsageError(
            _(
                "the key {fingerprint} was revoked on {day} ({user}'s); a revoked key is never accepted "
                "again: {new_key}"
            ).format(
                fingerprint=key.fingerprint,
                day=format_day(known.revoked_at.date()),
                user=known.user_name,
                new_key=_(_NEW_KEY),
            )
        )
    if known.user_name == user:
        raise UsageError(
            _("{user} already has the key {fingerprint}").format(user=user, fingerprint=key.fingerprint)
        )
    raise UsageError(
        _(
            "the key {fingerprint} belongs to {user}; a key proves one person, so each person needs a key "
            "of their own"
        ).format(fingerprint=key.fingerprint, user=known.user_name)
    )


@audits_refusals("user.list_keys")
def list_keys(ctx: Context, actor: str, user: str | None = None) -> list[KeyView]:
    """Keys of `user`, revoked ones too, by person and as added; without `user`, everyone's for the
    operator and admins, one's own for anyone else.

    A person may list their own keys; the operator and admins anyone's. Raises PermissionDenied.
    """
    manager = _may_manage(ctx, actor)
    if user is None and not manager:
        user = actor
    if user != actor and not manager:
        raise PermissionDenied(
            _(
                "{actor} may not list {user}'s keys: that needs the role admin; "
                "`smtool user keys` lists yours"
            ).format(actor=actor, user=user)
        )
    query = select(UserKey).order_by(col(UserKey.user_name), col(UserKey.id))
    if user is not None:
        query = query.where(UserKey.user_name == user)
    with ctx.db.read() as session:
        return [_view(row) for row in session.exec(query)]


@audits_refusals("user.remove_key")
def remove_key(ctx: Context, actor: str, fingerprint: str) -> KeyView:
    """Revoke a key by its fingerprint; it stops working at once, and its row stays on record.

    A person may revoke their own key; the operator and admins anyone's. Raises UsageError (not a
    SHA256 fingerprint), NotFound, PermissionDenied or InvalidTransition (already revoked).
    """
    wanted = fingerprint.strip()
    if not wanted.startswith(FINGERPRINT_PREFIX):
        raise UsageError(
            _("give the fingerprint as `smtool user keys` shows it: {prefix}...").format(
                prefix=FINGERPRINT_PREFIX
            )
        )
    with ctx.db.write() as session:
        row = session.exec(select(UserKey).where(UserKey.fingerprint == wanted).with_for_update()).first()
        if row is None:
            raise NotFound(_("no key {fingerprint}; see `smtool user keys`").format(fingerprint=wanted))
        if row.user_name != actor and not _may_manage(ctx, actor):
            raise PermissionDenied(
                _("{actor} may not revoke {user}'s key: that needs the role admin").format(
                    actor=actor, user=row.user_name
                )
            )
        if row.revoked_at is not None:
            raise InvalidTransition(
                _("the key {fingerprint} was already revoked on {moment} by {user}").format(
                    fingerprint=wanted,
                    moment=format_local(row.revoked_at, ctx.settings.institution.timezone),
                    user=row.revoked_by,
                )
            )
        row.revoked_at = utcnow()
        row.revoked_by = actor
        session.add(row)
        audit.append(
            session,
            actor=actor,
            action="user.remove_key",
            subject_type="user",
            subject_id=row.user_name,
            payload={"fingerprint": wanted},
        )
        return _view(row)


def active_keys(ctx: Context, fingerprint: str | None = None) -> list[KeyView]:
    """Keys that prove someone now (not revoked, their person active), or only the one with
    `fingerprint`; ordered by person, then as added."""
    query = (
        select(UserKey)
        .join(User, col(User.name) == col(UserKey.user_name))
        .where(col(UserKey.revoked_at).is_(None), col(User.active))
        .order_by(col(UserKey.user_name), col(UserKey.id))
    )
    if fingerprint is not None:
        query = query.where(UserKey.fingerprint == fingerprint)
    with ctx.db.read() as session:
        return [_view(row) for row in session.exec(query)]


def _view(row: UserKey) -> KeyView:
    return KeyView(
        user=row.user_name,
        key_type=row.key_type,
        blob=row.key_blob,
        fingerprint=row.fingerprint,
        comment=row.comment,
        added_by=row.added_by,
        added_at=row.added_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )
