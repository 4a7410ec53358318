"""Writing a file whole or not at all: written beside its destination, synced, then renamed.

A crash or an error part-way leaves the destination as it was (absent, or the previous version), never
a half-written archive, checkpoint or key file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smtool.errors import UsageError


class CannotWrite(UsageError):
    """A file could not be written whole; `reason` is the system's word for why ("Is a directory").

    Commands that word the refusal their own way (the report files) build it from `reason`.
    """

    def __init__(self, msg: str, reason: str) -> None:
        super().__init__(msg)
        self.reason = reason


def _failed(what: str, error: OSError) -> CannotWrite:
    reason = error.strerror or str(error)
    return CannotWrite(f"cannot write {what}: {reason}", reason)


@contextmanager
def replacing(path: Path, *, mode: int = 0o644, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path in the destination's folder; on success it becomes `path`.

    Raises CannotWrite (a UsageError) when `path` is a folder or cannot be written, or (without
    `overwrite`) when it exists.
    """
    if path.is_dir():
        # Checked first: the rename at the end would fail only after all the work was done.
        raise CannotWrite(f"{path} is a folder; give the name of a file to write", os.strerror(errno.EISDIR))
    if not overwrite and path.exists():
        raise CannotWrite(
            f"{path} already exists; choose another file name or remove it first", os.strerror(errno.EEXIST)
        )
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    except OSError as e:
        raise _failed(f"in {folder}", e) from None
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
