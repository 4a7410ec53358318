"""Audit checkpoints: the log's head, signed, kept somewhere the database's administrators cannot reach.

The hash chain shows a row changed in place, but someone who can write the database can also
recompute every later hash. A checkpoint pins the head hash and row count at a moment, signed with
the institution's Ed25519 key; later the first `rows` rows must still hash to that head, so a
rewritten, inserted or deleted row before it is found even when the chain itself was recomputed.

Rows cut from the end of the log are found only against a checkpoint taken after them, so the worker
takes one at each start and daily (`take_checkpoint`) into `[security] checkpoint_folder`, outside the
database, and `smtool audit verify` checks the newest one there (`check_newest`). The folder is on the
same server: copies kept on another system are what survive someone who can reach both.

File format (JSON, UTF-8): {"format", "institution", "rows", "last_id", "head_hash", "created_at",
"created_by", "public_key", "signature"}; the signature covers the canonical JSON of every other field.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict, cast, get_type_hints

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smtool.errors import SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.files import write_whole
from smtool.services.records import audit
from smtool.services.records.signing import fingerprint, load_signing_key, public_text, sign, signature_holds
from smtool.small_files import read_small
from smtool.store.types import utcnow

FORMAT = "smtool-audit-checkpoint/1"
# A checkpoint is well under a kilobyte; a larger file (or /dev/zero) is not one and is never read whole.
MAX_CHECKPOINT_BYTES = 64 * 1024
# The files the worker writes into [security] checkpoint_folder: the UTC time they were made, so that
# their names sort by it.
_PREFIX = "audit-checkpoint-"
_NAME = re.compile(re.escape(_PREFIX) + r"\d{8}T\d{6}\.\d{6}Z\.json")


class CheckpointFields(TypedDict):
    """What a checkpoint signs, in the file's order."""

    format: str
    institution: str
    rows: int
    last_id: int
    head_hash: str
    created_at: str
    created_by: str
    public_key: str


class Checkpoint(CheckpointFields):
    """The checkpoint file: the fields and their signature."""

    signature: str


# Each field of the file with the type it must have (str or int).
_TYPES: dict[str, type] = get_type_hints(Checkpoint)


class CheckpointRefused(SmtoolError):
    """A checkpoint file that is not a valid checkpoint of this installation."""

    exit_code = 2
    default_title = N_("Checkpoint not usable")


@dataclass(frozen=True)
class CheckpointCheck:
    ok: bool
    covered_rows: int
    rows_now: int
    head_hash: str
    created_at: str
    reason: str | None = None


def write_checkpoint(ctx: Context, path: Path, actor: str) -> Checkpoint:
    """Sign the log's current head into `path` (whole or not at all) and audit it; returns the file's
    content.

    Raises SecretError without a signing key, SmtoolError (exit 1) when the log does not verify
    (a broken log must not be signed as good), UsageError when the file exists or cannot be written.
    """
    key = load_signing_key(ctx.settings)
    state = audit.verify(ctx.db)
    if not state.ok:
        raise SmtoolError(
            _(
                "the audit log is broken at row {row} ({reason}); a checkpoint would sign it as good. "
                "Find out what happened first (`smtool audit verify`)."
            ).format(row=state.broken_id, reason=state.reason)
        )
    fields: CheckpointFields = {
        "format": FORMAT,
        "institution": ctx.settings.institution.name,
        "rows": state.rows,
        "last_id": state.last_id,
        "head_hash": state.head_hash,
        # The system clock, as in the audit log: a signed record of when, which no caller may set.
        "created_at": utcnow().isoformat(),
        "created_by": actor,
        "public_key": public_text(key.public_key()),
    }
    signed: Checkpoint = {**fields, "signature": sign(key, _message(fields))}
    # Never over an earlier checkpoint: each one is proof of the log up to its own row.
    write_whole(
        path, (json.dumps(signed, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), overwrite=False
    )
    with ctx.db.write() as session:
        audit.append(
            session,
            actor=actor,
            action="audit.checkpoint",
            subject_type="installation",
            subject_id=ctx.settings.institution.name,
            payload={"rows": state.rows, "head_hash": state.head_hash},
        )
    return signed


def check_against(ctx: Context, path: Path) -> CheckpointCheck:
    """Prove the log was not rewritten since the checkpoint in `path` was made.

    Raises CheckpointRefused (exit 2) for a file that is unreadable, not a checkpoint, of another
    institution, signed by another key or altered; returns ok=False when the log no longer matches.
    """
    fields = _read(path)
    if fields["institution"] != ctx.settings.institution.name:
        raise CheckpointRefused(
            _(
                "{file} is a checkpoint of {institution}, not of this installation ({ours}); "
                "use a checkpoint this installation made"
            ).format(
                file=path, institution=repr(fields["institution"]), ours=repr(ctx.settings.institution.name)
            )
        )
    ours = load_signing_key(ctx.settings).public_key()
    if fields["public_key"] != public_text(ours):
        raise CheckpointRefused(
            _(
                "{file} was signed with key {key}, not with this installation's signing key {ours}; "
                "it proves nothing here"
            ).format(file=path, key=fingerprint(fields["public_key"]), ours=fingerprint(public_text(ours)))
        )
    if not _signed_by(ours, fields):
        raise CheckpointRefused(
            _("{file}: the signature does not match its content; the file was altered").format(file=path)
        )
    covered = fields["rows"]
    prefix = audit.verify(ctx.db, rows_limit=covered)
    whole = audit.verify(ctx.db)
    made = fields["created_at"]
    if not prefix.ok:
        reason = _("audit row {row} does not verify: {reason}").format(
            row=prefix.broken_id, reason=prefix.reason
        )
    elif prefix.rows < covered:
        reason = _("the log has {rows} rows but the checkpoint covers {covered}: rows were deleted").format(
            rows=prefix.rows, covered=covered
        )
    elif prefix.head_hash != fields["head_hash"]:
        reason = _(
            "the first {covered} rows no longer hash to the checkpoint's head: "
            "the log was rewritten since the checkpoint was made"
        ).format(covered=covered)
    elif not whole.ok:
        reason = _("audit row {row}, after the checkpoint, does not verify: {reason}").format(
            row=whole.broken_id, reason=whole.reason
        )
    else:
        return CheckpointCheck(True, covered, whole.rows, prefix.head_hash, made)
    return CheckpointCheck(False, covered, whole.rows, prefix.head_hash, made, reason)


@dataclass(frozen=True)
class NewestCheck:
    """The newest checkpoint of the configured folder, checked against the log."""

    path: Path
    check: CheckpointCheck
    age: timedelta
    """How long ago it was made (system clock, as the checkpoint's own time)."""


def take_checkpoint(ctx: Context, actor: str) -> tuple[Path, Checkpoint]:
    """Write a checkpoint into `[security] checkpoint_folder` (made if missing) under a new name
    that sorts by time; returns its path and content. Raises like `write_checkpoint`."""
    folder = ctx.settings.checkpoint_folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(
            _(
                "cannot make the checkpoint folder {folder}: {reason}; "
                "set [security] checkpoint_folder in config.toml to a folder smtool may write"
            ).format(folder=folder, reason=e.strerror or e)
        ) from None
    # Microseconds: two workers starting together still write two files, never one over another.
    path = folder / f"{_PREFIX}{utcnow().strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    return path, write_checkpoint(ctx, path, actor)


def newest_checkpoint(ctx: Context) -> Path | None:
    """The newest checkpoint file `take_checkpoint` wrote in the configured folder, or None."""
    folder = ctx.settings.checkpoint_folder
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if _NAME.fullmatch(e.name) and e.is_file()]
    except FileNotFoundError:
        return None
    except OSError as e:
        raise UsageError(
            _("cannot read the checkpoint folder {folder}: {reason}").format(
                folder=folder, reason=e.strerror or e
            )
        ) from None
    # The names sort by the time in them.
    return folder / max(names) if names else None


def check_newest(ctx: Context) -> NewestCheck | None:
    """Check the log against the newest checkpoint of the configured folder (None: there is none).

    Raises CheckpointRefused when that file is not a valid checkpoint of this installation: someone
    put it there or changed it, which is itself worth a person's attention."""
    path = newest_checkpoint(ctx)
    if path is None:
        return None
    check = check_against(ctx, path)
    try:
        made = datetime.fromisoformat(check.created_at)
    except ValueError:
        raise CheckpointRefused(
            _("{file}: its created_at {value} is not a time").format(file=path, value=repr(check.created_at))
        ) from None
    return NewestCheck(path, check, utcnow() - made)


def _message(fields: CheckpointFields) -> bytes:
    # Only the signed fields: not the signature, nor anything else a file read back may hold.
    signed = {k: v for k, v in fields.items() if k in CheckpointFields.__annotations__}
    return audit.canonical_json(signed).encode("utf-8")


def _signed_by(key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    return signature_holds(key, _message(checkpoint), checkpoint["signature"])


def _read(path: Path) -> Checkpoint:
    raw = read_small(path, MAX_CHECKPOINT_BYTES, N_("the checkpoint file `smtool audit checkpoint` wrote"))
    try:
        data = json.loads(raw.decode("utf-8"))
    # RecursionError: arrays nested thousands deep, which no checkpoint has.
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CheckpointRefused(
            _("{file} is not a checkpoint file (not JSON); was it damaged?").format(file=path)
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointRefused(
            _("{file} is not an smtool audit checkpoint ({format})").format(file=path, format=FORMAT)
        )
    wrong = [k for k, kind in _TYPES.items() if not isinstance(data.get(k), kind)]
    if wrong:
        raise CheckpointRefused(
            _("{file} is incomplete (missing or malformed: {fields})").format(
                file=path, fields=", ".join(wrong)
            )
        )
    return cast("Checkpoint", data)  # every field checked above
