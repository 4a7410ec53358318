"""Writing a file whole or not at all: written beside its destination, synced, then renamed.

A crash or an error part-way leaves the destination as it was (absent, or the previous version), never
a half-written archive, checkpoint or key file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smtool.errors import UsageError


@contextmanager
def replacing(path: Path, *, mode: int = 0o644, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path in the destination's folder; on success it becomes `path`.

    Raises UsageError when the folder cannot be written, or (without `overwrite`) when `path` exists.
    """
    if not overwrite and path.exists():
        raise UsageError(f"{path} already exists; choose another file name or remove it first")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    except OSError as e:
        raise UsageError(f"cannot write in {folder}: {e.strerror}") from None
    os.close(fd)
    temporary = Path(name)
    try:
        os.chmod(temporary, mode)
        yield temporary
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_whole(path: Path, data: bytes, *, mode: int = 0o644, overwrite: bool = True) -> None:
    """Write `data` to `path` whole or not at all; raises UsageError like `replacing`."""
    with replacing(path, mode=mode, overwrite=overwrite) as temporary:
        try:
            temporary.write_bytes(data)
        except OSError as e:
            raise UsageError(f"cannot write {path}: {e.strerror}") from None
