"""The media store: the installation's own copy of every attached file, named by its SHA-256.

A post refers to its media by hash, so what an approver saw is what the worker sends and what the
archive keeps: replacing the file a communicator attached changes nothing, and a file changed in the
store is caught by its hash before anything is sent or exported. Files are copied in when attached
(`prepare` checks everything first, `keep` writes, so a refused attachment writes nothing), under
`<media_dir>/ab/cdef...` (folders 0700, files 0600: only the installation's own account reads them).

Posts made before the store existed hold a plain path string instead of an entry; those are shown
as not in the store and never read: the worker refuses to send them, asking for the file to be
attached again (migration 0011 leaves the rows as they are).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smtool.config import Settings
from smtool.domain.media import HEAD_BYTES, MediaEntry, dimensions, is_sha256, sniff
from smtool.errors import PermissionDenied, SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.files import PRIVATE_FILE, PRIVATE_FOLDER, media_folder, replacing, secret_files

_CHUNK = 1 << 20


class MediaRefused(SmtoolError):
    """A file that cannot be attached as it is: an unknown type, or over a platform's limit."""

    exit_code = 1
    default_title = N_("Media refused")


class SecretFileRefused(PermissionDenied):
    """An attempt to attach one of the installation's own secret files (audited as a refusal)."""

    default_title = N_("Media refused")


class MediaUnavailable(SmtoolError):
    """A post's media item cannot be sent or exported: not in the store, or changed there."""

    exit_code = 1
    default_title = N_("Media unavailable")


def media_dir(settings: Settings) -> Path:
    return media_folder(settings)


def stored_path(settings: Settings, sha256: str) -> Path:
    """Where the store keeps these bytes. Raises MediaUnavailable for anything but a SHA-256 hex
    digest, so no value read from the database can name a path outside the store."""
    if not is_sha256(sha256):
        raise MediaUnavailable(
            _("{name} is not a media store name (64 hex digits)").format(name=repr(sha256))
        )
    return media_dir(settings) / sha256[:2] / sha256[2:]


@dataclass(frozen=True)
class Prepared:
    """A file checked and hashed, not yet copied into the store."""

    source: Path
    entry: MediaEntry


def prepare(settings: Settings, name: str, alt: str | None = None) -> Prepared:
    """Check a file a person attaches and read what the post will record of it; writes nothing.

    Raises UsageError (no such file, not a regular file, unreadable), SecretFileRefused (one of the
    installation's key, configuration or database files) and MediaRefused (a type not sniffed as
    JPEG, PNG, GIF, WEBP, MP4 or MOV).
    """
    source = Path(name).expanduser()
    try:
        # Checked before opening too: opening a named pipe would wait for a writer.
        if not stat.S_ISREG(source.stat().st_mode):
            raise UsageError(
                _("media {name} is not a regular file; attach an image or video file").format(name=repr(name))
            )
        # O_NOFOLLOW is not used: a link to a picture is fine; what it points to is checked below.
        with source.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UsageError(
                    _("media {name} is not a regular file; attach an image or video file").format(
                        name=repr(name)
                    )
                )
            if _is_secret(settings, info):
                raise SecretFileRefused(
                    _(
                        "{name} is one of this installation's own files (keys, configuration or database) "
                        "and is never attached as media"
                    ).format(name=name)
                )
            head = handle.read(HEAD_BYTES)
            digest = hashlib.sha256(head)
            size = len(head)
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise UsageError(_("media file {name} does not exist").format(name=repr(name))) from None
    except IsADirectoryError:
        raise UsageError(
            _("media {name} is a folder; attach an image or video file").format(name=repr(name))
        ) from None
    except OSError as e:
        raise UsageError(
            _("cannot read media file {name}: {reason}").format(name=repr(name), reason=e.strerror)
        ) from None
    kind = sniff(head)
    if kind is None:
        raise MediaRefused(
            _(
                "{name} is not a JPEG, PNG, GIF, WEBP, MP4 or MOV file (its bytes say so, whatever its "
                "name); attach a picture or a video"
            ).format(name=name)
        )
    pixels = dimensions(head)
    entry: MediaEntry = {
        "sha256": digest.hexdigest(),
        "name": source.name,
        "type": kind.media_type,
        "size": size,
        "alt": alt or None,
        "width": pixels[0] if pixels else None,
        "height": pixels[1] if pixels else None,
    }
    return Prepared(source, entry)


def _is_secret(settings: Settings, info: os.stat_result) -> bool:
    """The same file as a secret one (by device and inode: a link or a copy's path does not hide it)."""
    for path in secret_files(settings):
        try:
            secret = path.stat()
        except OSError:
            continue
        if (secret.st_dev, secret.st_ino) == (info.st_dev, info.st_ino):
            return True
    return False


def keep(settings: Settings, prepared: Prepared) -> MediaEntry:
    """Copy a prepared file into the store, whole or not at all; returns its entry.

    Raises MediaRefused when the file changed since it was prepared (its bytes no longer hash the
    same), and CannotWrite (a UsageError) when the store cannot be written.
    """
    entry = prepared.entry
    target = stored_path(settings, entry["sha256"])
    _private_folder(media_dir(settings))
    _private_folder(target.parent)
    with replacing(target, mode=PRIVATE_FILE) as temporary:
        digest = hashlib.sha256()
        try:
            with prepared.source.open("rb") as source, temporary.open("wb") as copy:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    digest.update(chunk)
                    copy.write(chunk)
        except OSError as e:
            raise UsageError(
                _("cannot copy {file} into the media store: {reason}").format(
                    file=prepared.source, reason=e.strerror
                )
            ) from None
        if digest.hexdigest() != entry["sha256"]:
            # Raised inside `replacing`: the temporary copy is removed, the store is unchanged.
            raise MediaRefused(
                _("{file} changed while it was being attached; attach it again").format(file=prepared.source)
            )
    return entry


def _private_folder(folder: Path) -> None:
    try:
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        folder.chmod(PRIVATE_FOLDER)
    except OSError as e:
        raise UsageError(
            _("cannot make the media store folder {folder}: {reason}").format(
                folder=folder, reason=e.strerror
            )
        ) from None


def stored(settings: Settings, sha256: str) -> bool:
    """Whether the store holds a file under this name (its bytes are checked when read)."""
    return stored_path(settings, sha256).is_file()


def read_verified(settings: Settings, entry: MediaEntry | str) -> bytes:
    """The bytes of one media item, read from the store and checked against the recorded hash.

    Raises MediaUnavailable for a plain path (a post from before the store), a file missing from
    the store, or one whose bytes no longer hash to the recorded SHA-256.
    """
    return b"".join(read_chunks(settings, entry))


def read_chunks(settings: Settings, entry: MediaEntry | str) -> Iterator[bytes]:
    """The item's bytes in chunks; raises MediaUnavailable (as `read_verified`) after the last chunk
    when the bytes do not hash to the recorded SHA-256, so a consumer must not use them before."""
    if isinstance(entry, str):
        raise MediaUnavailable(not_in_store(entry))
    path = stored_path(settings, entry["sha256"])
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
                yield chunk
    except OSError as e:
        raise MediaUnavailable(
            _(
                "media {name} ({hash}) cannot be read from the media store: {reason}; attach the file again"
            ).format(name=entry["name"], hash=entry["sha256"][:12], reason=e.strerror)
        ) from None
    if digest.hexdigest() != entry["sha256"]:
        raise MediaUnavailable(
            _(
                "media {name} changed in the media store since it was attached (its bytes no longer "
                "hash to {hash}); not sent. Check {file} and attach the file again"
            ).format(name=entry["name"], hash=entry["sha256"][:12], file=path)
        )


def not_in_store(path: str) -> str:
    """What to say of a plain path a post from before the media store holds."""
    return _(
        "media {name} is not in the media store (attached before it existed, as {file}); "
        "edit the post and attach the file again"
    ).format(name=Path(path).name, file=path)
