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
from smtool.i18n import _, ngettext


def read_small(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, read through one open file.

    Raises UsageError for a missing or unreadable file, a device or pipe (/dev/zero never ends), a
    folder, or a file larger than `limit`: `what` (marked with N_ where it is written) says in the
    message what the file should be, in the reader's language.
    """
    what = _(what)
    try:
        # Non-blocking: opening a FIFO for reading would otherwise wait for a writer for ever.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise UsageError(_("{path} is not a regular file; give {what}").format(path=path, what=what))
            # One byte more than allowed, to tell a file of exactly `limit` from a longer one.
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(_("{path} does not exist; give {what}").format(path=path, what=what)) from None
    except IsADirectoryError:
        raise UsageError(_("{path} is a folder; give {what}").format(path=path, what=what)) from None
    except OSError as e:
        raise UsageError(
            _("cannot read {path}: {reason}").format(path=path, reason=e.strerror or e)
        ) from None
    except ValueError:  # a path with a NUL in it, which no file can have
        raise UsageError(
            _("{path} is not a file name; give {what}").format(path=repr(path), what=what)
        ) from None
    if len(data) > limit:
        raise UsageError(
            _("{path} is larger than {size}; give {what}").format(path=path, size=_size(limit), what=what)
        )
    return data


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MiB"
    return ngettext("{n} byte", "{n} bytes", limit).format(n=limit)
