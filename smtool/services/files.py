"""The installation's files: written whole or not at all, and private where they hold secrets.

Written whole: beside the destination, synced, then renamed, so a crash or an error part-way leaves
the destination as it was (absent, or the previous version), never a half-written archive, checkpoint
or key file.

Private: whoever can read the key file and the database can decrypt every platform token and post
around smtool; whoever can read the database reads citizens' personal data. So `init` creates them
private (files 0600), and a shared installation refuses to start, as ssh does with a private key,
while any of them is open to the group or to others, naming the file and the command that fixes it.
"""

from __future__ import annotations

import errno
import os
import shlex
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smtool.config import NO_INSTALLATION, Settings
from smtool.errors import ConfigError, UsageError
from smtool.i18n import N_, _


class CannotWrite(UsageError):
    """A file could not be written whole; `reason` is the system's word for why ("Is a directory").

    Commands that word the refusal their own way (the report files) build it from `reason`.
    """

    def __init__(self, msg: str, reason: str) -> None:
        super().__init__(msg)
        self.reason = reason


def _failed(what: str, error: OSError) -> CannotWrite:
    reason = error.strerror or str(error)
    return CannotWrite(_("cannot write {file}: {reason}").format(file=what, reason=reason), reason)


@contextmanager
def replacing(path: Path, *, mode: int = 0o644, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path in the destination's folder; on success it becomes `path`.

    Raises CannotWrite (a UsageError) when `path` is a folder or cannot be written, or (without
    `overwrite`) when it exists.
    """
    if path.is_dir():
        # Checked first: the rename at the end would fail only after all the work was done.
        raise CannotWrite(
            _("{file} is a folder; give the name of a file to write").format(file=path),
            os.strerror(errno.EISDIR),
        )
    if not overwrite and path.exists():
        raise CannotWrite(
            _("{file} already exists; choose another file name or remove it first").format(file=path),
            os.strerror(errno.EEXIST),
        )
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    except OSError as e:
        raise _failed(_("in {folder}").format(folder=folder), e) from None
    os.close(fd)
    temporary = Path(name)
    try:
        os.chmod(temporary, mode)
        yield temporary
        try:
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as e:  # e.g. a folder made at `path` meanwhile, or a full disk
            raise _failed(str(path), e) from None
    finally:
        temporary.unlink(missing_ok=True)


def write_whole(path: Path, data: bytes, *, mode: int = 0o644, overwrite: bool = True) -> None:
    """Write `data` to `path` whole or not at all; raises CannotWrite like `replacing`."""
    with replacing(path, mode=mode, overwrite=overwrite) as temporary:
        try:
            temporary.write_bytes(data)
        except OSError as e:
            raise _failed(str(path), e) from None


PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


class NotPrivate(ConfigError):
    """A secret file or the database can be read or written by other OS accounts."""

    default_title = N_("Files not private")


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite database file, or None when the database is PostgreSQL (its credentials are the
    server's business) or in memory."""
    url = settings.database_url
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix) :])


class NoInstallation(ConfigError):
    """The configuration names an SQLite database that does not exist: `smtool init` was not run."""


def require_database_file(settings: Settings) -> None:
    """Raise NoInstallation (a ConfigError) when the SQLite database does not exist yet (no `init`).

    Checked before the engine connects: SQLite creates a missing file on connect, so a command run in
    the wrong folder would leave an empty database behind, readable by everyone.
    """
    database = sqlite_path(settings)
    if database is not None and not database.is_file():
        raise NoInstallation(
            _("{no_installation}; the database {database} does not exist.").format(
                no_installation=_(NO_INSTALLATION), database=database
            )
        )


def secret_files(settings: Settings) -> list[Path]:
    """Every file of the installation that must stay private: config, keys, database and its journal."""
    files = [settings.key_path, settings.signing_key_path]
    if settings.source is not None:
        files.insert(0, settings.source)
    database = sqlite_path(settings)
    if database is not None:
        files += [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return files


def media_folder(settings: Settings) -> Path:
    """The media store's folder (services.media): attachments not yet public, kept like the database."""
    return settings.resolve_path(settings.storage.media_dir)


def secret_folders(settings: Settings) -> list[Path]:
    """The folders that hold the secret files: whoever may write in one can replace what is in it."""
    return sorted({path.parent for path in secret_files(settings)})


def make_private(path: Path) -> None:
    """Create `path` empty and private if it does not exist, so that what is written into it later
    (SQLite creates its journal files with the database's mode) is never readable by others."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def keep_private(settings: Settings) -> None:
    """Make every existing secret file of the installation private, and the folders holding them
    that this account owns in a shared installation (`init` does, on every run). A folder owned by
    another account (root's /etc/smtool, say) is left to its owner; `check_private` still refuses it
    when others may write in it. A personal installation's folder (a home folder, perhaps) is left
    as it is."""
    shared = settings.access.mode == "shared"
    for folder in [*secret_folders(settings), media_folder(settings)] if shared else []:
        try:
            if folder.stat().st_uid == os.geteuid():
                folder.chmod(PRIVATE_FOLDER)
        except OSError:
            continue
    for path in secret_files(settings):
        try:
            path.chmod(PRIVATE_FILE)
        except FileNotFoundError:
            continue
        except OSError as e:  # e.g. a file another account owns: only its owner or root may change it
            raise NotPrivate(
                _("cannot make {file} private: {reason}; as its owner run: {command}").format(
                    file=path, reason=e.strerror, command=f"chmod 600 {shlex.quote(str(path))}"
                )
            ) from None


def _check_media_folder(folder: Path) -> None:
    # The store's files are 0600 and named by hash; its folder is the one door to them.
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        return  # not made yet: the store makes it 0700
    if mode & 0o077:
        raise NotPrivate(
            _(
                "the media store {folder} is open to other accounts (mode {mode}); a shared "
                "installation keeps it to its own account. Run: {command}"
            ).format(folder=folder, mode=f"{mode:04o}", command=f"chmod -R go= {shlex.quote(str(folder))}")
        )


def check_private(settings: Settings) -> None:
    """Raise NotPrivate naming the first secret file that other OS accounts may read or write, or
    the first folder holding one that they may write in (they could replace the file)."""
    for folder in secret_folders(settings):
        try:
            mode = stat.S_IMODE(folder.stat().st_mode)
        except OSError:
            continue  # reported for the files in it
        if mode & 0o022:
            raise NotPrivate(
                _(
                    "other accounts may write in {folder} (mode {mode}), so they could replace the "
                    "installation's files there. Run: {command}"
                ).format(folder=folder, mode=f"{mode:04o}", command=f"chmod 700 {shlex.quote(str(folder))}")
            )
    _check_media_folder(media_folder(settings))
    for path in secret_files(settings):
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        except OSError as e:  # a folder on the way that this account may not enter
            raise NotPrivate(
                _("cannot check {file}: {reason}").format(file=path, reason=e.strerror)
            ) from None
        if stat.S_IMODE(mode) & 0o077:
            raise NotPrivate(
                _(
                    "{file} can be read or written by other accounts (mode {mode}); "
                    "a shared installation keeps it to its own account. Run: {command}"
                ).format(
                    file=path, mode=f"{stat.S_IMODE(mode):04o}", command=f"chmod 600 {shlex.quote(str(path))}"
                )
            )
