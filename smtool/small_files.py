"""Reading a file a person names (a configuration, a checkpoint, a CSV to import): a regular file of a
bounded size, or one clear refusal.

Named files are input like any other: /dev/zero never ends, a FIFO waits for a writer for ever, and
a file of gigabytes would be read whole into memory before anything looked at it. Here, at the bottom
of the package (smtool.config reads its file through it, so it cannot live among the services), so
that every such file is read the one way.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from smtool.errors import UsageError


def read_small(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, read through one open file.

    Raises UsageError for a missing or unreadable file, a device or pipe (/dev/zero never ends), a
    folder, or a file larger than `limit`: `what` says in the message what the file should be.
    """
    try:
        # Non-blocking: opening a FIFO for reading would otherwise wait for a writer for ever.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise UsageError(f"{path} is not a regular file; give {what}")
            # One byte more than allowed, to tell a file of exactly `limit` from a longer one.
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist; give {what}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder; give {what}") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    except ValueError:  # a path with a NUL in it, which no file can have
        raise UsageError(f"{path!r} is not a file name; give {what}") from None
    if len(data) > limit:
        raise UsageError(f"{path} is larger than {_size(limit)}; give {what}")
    return data


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
