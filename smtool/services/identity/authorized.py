"""The lines sshd needs: each registered key with a forced command, so the key decides who acts.

Either sshd asks for the line of the key a client offers (AuthorizedKeysCommand, `smtool ssh
authorized-keys %t %k`), or smtool writes every active key into a managed block of an
authorized_keys file (`smtool ssh write-authorized-keys PATH`). Each line is

    restrict,pty,command="<smtool> --config <config> ssh shell <fingerprint>" <type> <base64> smtool:<user>

`restrict` turns off port, agent and X11 forwarding and ~/.ssh/rc; `pty` gives back the terminal the
TUI needs. sshd runs the command through the account's shell, so each word is quoted for a POSIX
shell, and the whole for the authorized_keys option syntax, in which only a backslash before a
double quote is special. A path that no quoting keeps on one line (a control character) is refused.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from smtool.errors import UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.files import write_whole
from smtool.services.identity.keys import KeyView, active_keys, fingerprint

BEGIN = "# BEGIN smtool keys: written by `smtool ssh write-authorized-keys`; edits here are lost"
END = "# END smtool keys"
OPTIONS = "restrict,pty"
# sshd reads authorized_keys line by line; nothing in a line may end it or hide in it.
_UNQUOTABLE = re.compile("[\x00-\x1f\x7f]")


def forced_command(program: Sequence[str], config: Path, key_fingerprint: str) -> str:
    """The shell command line sshd runs for a key: `ssh shell` with the key's fingerprint.

    Raises UsageError when the program or config path is not absolute or cannot be quoted safely.
    """
    words = [*program, "--config", str(config), "ssh", "shell", key_fingerprint]
    for path in (program[0], str(config)):
        if not Path(path).is_absolute():
            raise UsageError(
                _("{path} is not an absolute path; sshd runs the command from another folder").format(
                    path=repr(path)
                )
            )
    for word in words:
        if _UNQUOTABLE.search(word):
            raise UsageError(
                _(
                    "{word} contains a control character and cannot be written safely into an "
                    "authorized_keys line; move the installation to a path without one"
                ).format(word=repr(word))
            )
    return " ".join(shlex.quote(word) for word in words)


def key_line(program: Sequence[str], config: Path, key: KeyView) -> str:
    """One authorized_keys line for a registered key; raises UsageError like `forced_command`."""
    command = forced_command(program, config, key.fingerprint).replace('"', '\\"')
    return f'{OPTIONS},command="{command}" {key.key_type} {key.blob} smtool:{key.user}'


def authorized_line(
    ctx: Context, program: Sequence[str], config: Path, key_type: str, blob: str
) -> str | None:
    """The line for the key sshd offers (its type and base64, %t %k), or None when that key does
    not prove anyone now. Raises UsageError like `forced_command`."""
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    matches = [key for key in active_keys(ctx, fingerprint(raw)) if key.key_type == key_type]
    return key_line(program, config, matches[0]) if matches else None


def write_authorized_keys(ctx: Context, path: Path, program: Sequence[str], config: Path) -> int:
    """Write every active key into the managed block of `path` (mode 0600), keeping the file's
    other lines; returns how many keys the block holds.

    Raises UsageError when the file cannot be read or written, is not text, or its markers are
    damaged (then nothing is written).
    """
    lines = _read_lines(path)
    block = [BEGIN, *(key_line(program, config, key) for key in active_keys(ctx)), END]
    begins = [i for i, line in enumerate(lines) if line == BEGIN]
    ends = [i for i, line in enumerate(lines) if line == END]
    if not begins and not ends:
        lines.extend(block)
    elif len(begins) == 1 and len(ends) == 1 and begins[0] < ends[0]:
        lines[begins[0] : ends[0] + 1] = block
    else:
        raise UsageError(
            _(
                "{file}: the smtool block's marker lines are damaged (each must appear once, BEGIN "
                "before END); fix or remove them, then run this again"
            ).format(file=path)
        )
    write_whole(path, ("\n".join(lines) + "\n").encode("utf-8"), mode=0o600)
    return len(block) - 2


def _read_lines(path: Path) -> list[str]:
    """The file's lines exactly as they are (bytes decoded, no newline translation)."""
    try:
        lines = path.read_bytes().decode("utf-8").split("\n")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise UsageError(
            _("{file} is not a UTF-8 text file; is it an authorized_keys file?").format(file=path)
        ) from None
    except OSError as e:
        raise UsageError(_("cannot read {file}: {reason}").format(file=path, reason=e.strerror)) from None
    return lines[:-1] if lines[-1] == "" else lines
