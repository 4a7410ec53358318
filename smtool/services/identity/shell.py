"""The forced command: what a person's SSH connection may run, as the person their key proves.

sshd runs `smtool --config CONFIG ssh shell FINGERPRINT` for every registered key (services.identity
.authorized) and puts what the person typed after the host into SSH_ORIGINAL_COMMAND. Here that
command is read without any shell: split like a POSIX shell would split words (so `;`, `|`, backticks
and `$(...)` are plain characters of a word, never run) and checked before the CLI runs it in-process
as the key's owner:

- no command: the TUI (which needs a terminal: `ssh -t`);
- `--as`, `--config`/`-c` are refused: the key says who acts, the forced command which installation;
- `tui --sandbox` is refused: it would open a training installation instead of this one;
- options and arguments that name a file on the server (`--output`, `--media`, `post import FILE`,
  ...) are refused: they would read or write files as the service account, which holds the key
  files and the database; output goes to standard output, input comes from standard input;
- commands only the service account runs on the server are refused: `SERVICE_ONLY` says which and why.

The key is looked up when the connection starts, so a revoked key stops working at once even where
an authorized_keys file written earlier still lists it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

from smtool.errors import PermissionDenied, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.identity.keys import active_keys
from smtool.services.refusals import record_refusal

# The installation's own upkeep: run by its operator on the server, where the audit log names the
# operator's OS account. Over SSH a person could otherwise re-create, migrate or re-key the
# installation, or start long-running servers under the service account.
SERVICE_ONLY: dict[str, str] = {
    "init": N_("it creates an installation"),
    "demo": N_("it creates a training installation"),
    "db": N_("it migrates the database"),
    "keys": N_("it rotates the key that encrypts the tokens"),
    "sandbox": N_("it serves the sandbox platform"),
    "worker": N_("it runs the worker"),
    "ssh": N_("it is what sshd runs for a key"),
}
# Options that would choose another person or installation than the key and the forced command did.
IDENTITY_OPTIONS = frozenset({"--as", "--config", "-c"})
OTHER_INSTALLATION: dict[tuple[str, ...], frozenset[str]] = {("tui",): frozenset({"--sandbox"})}
# Options whose value is a path on the server, by the command they belong to (a prefix of its words).
SERVER_FILE_OPTIONS: dict[tuple[str, ...], frozenset[str]] = {
    ("check",): frozenset({"--file", "-f", "--jsonl", "--policies"}),
    ("post", "new"): frozenset({"--media"}),
    ("post", "edit"): frozenset({"--media"}),
    ("report",): frozenset({"--output", "-o"}),
    ("archive", "export"): frozenset({"--output", "-o"}),
    ("audit", "verify"): frozenset({"--checkpoint"}),
    ("audit", "checkpoint"): frozenset({"--output", "-o"}),
    ("user", "add-key"): frozenset({"--file"}),
}
# ... and the few that take "-" for standard input, which is the person's own.
STDIN_ALLOWED = frozenset({"--jsonl"})
# Commands whose argument is a path on the server.
SERVER_FILE_COMMANDS: dict[tuple[str, ...], str] = {
    ("post", "import"): N_("it reads a CSV file on the server"),
    ("archive", "verify"): N_("it reads an archive on the server"),
}
# The service account's shell may set SMTOOL_* for its own configuration (a database URL, the secret
# key); these two would choose the person or the installation, which only the key and the forced
# command may.
CLEARED_ENVIRONMENT = ("SMTOOL_USER", "SMTOOL_CONFIG")
TUI_NEEDS_TERMINAL = N_(
    "the TUI needs a terminal: connect with `ssh -t HOST`, or give a command, e.g. `ssh HOST post list`"
)
# A newline or NUL would let one connection smuggle a second line past a reader of the logs; shlex
# would also treat a newline as a plain space. One command per connection, on one line.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Identity:
    """Who acts, as proven by an SSH key."""

    user: str
    fingerprint: str

    @property
    def via(self) -> str:
        """How the audit log says the actor was proven."""
        return f"ssh {self.fingerprint}"


def prove(ctx: Context, fingerprint: str) -> Identity:
    """The person the key with this fingerprint proves, looked up now.

    Raises PermissionDenied (audited) when the key is revoked, unknown, or its person deactivated.
    """
    found = active_keys(ctx, fingerprint)
    if found:
        return Identity(found[0].user, found[0].fingerprint)
    refusal = PermissionDenied(
        _(
            "the SSH key {fingerprint} does not prove anyone here now (revoked, or its person removed); "
            "ask an admin to add your current key: `smtool user add-key NAME`"
        ).format(fingerprint=fingerprint)
    )
    record_refusal(ctx, f"ssh:{fingerprint}", "ssh.login", refusal, {"fingerprint": fingerprint})
    raise refusal


def clean_environment(environ: MutableMapping[str, str]) -> None:
    """Drop the variables that would choose the person or the installation."""
    for name in CLEARED_ENVIRONMENT:
        environ.pop(name, None)


def command_arguments(original: str | None) -> list[str] | None:
    """The CLI arguments of what the person asked for; None for the TUI (no command).

    Raises UsageError naming the refused command or option, or the reason the command cannot be read.
    """
    if original is None or not original.strip():
        return None
    if _CONTROL.search(original):
        raise UsageError(
            _("the command contains a control character (a newline?); send one command per line")
        )
    try:
        args = shlex.split(original)
    except ValueError as e:
        raise UsageError(
            _("cannot read the command: {reason}; check its quotes").format(reason=str(e).lower())
        ) from None
    check_arguments(args)
    return args


def check_arguments(args: Sequence[str]) -> None:
    """Refuse what a person may not run over SSH; raises UsageError saying which and why."""
    words = _command_words(args)
    if words and words[0] in SERVICE_ONLY:
        raise UsageError(
            _("`smtool {command}` runs only on the server, by the installation's operator ({why})").format(
                command=words[0], why=_(SERVICE_ONLY[words[0]])
            )
        )
    for command, reason in SERVER_FILE_COMMANDS.items():
        if _starts_with(words, command):
            raise UsageError(
                _("`smtool {command}` is not available over SSH: {why}").format(
                    command=" ".join(command), why=_(reason)
                )
            )
    files = _options_for(SERVER_FILE_OPTIONS, words)
    other = _options_for(OTHER_INSTALLATION, words)
    for index, token in enumerate(args):
        if token == "--":
            break  # the rest are arguments, never options
        name = _option_name(token)
        if name is None:
            continue
        if name in IDENTITY_OPTIONS:
            raise UsageError(
                _(
                    "{option} is not accepted over SSH: your key says who you are, and the server which "
                    "installation you use"
                ).format(option=name)
            )
        if name in other:
            raise UsageError(
                _("{option} is not accepted over SSH: it would open another installation").format(option=name)
            )
        if name in files and not (name in STDIN_ALLOWED and _value(args, index) == "-"):
            raise UsageError(
                _(
                    "{option} names a file on the server, which is not accepted over SSH; leave it out "
                    "and use standard input and output instead (e.g. `ssh HOST report cadence -f csv > "
                    "cadence.csv`)"
                ).format(option=name)
            )


def _command_words(args: Sequence[str]) -> tuple[str, ...]:
    """The command's words: `post new` of `post new --account vk-x TEXT`."""
    start = next((i for i, token in enumerate(args) if not token.startswith("-")), len(args))
    words: list[str] = []
    for token in args[start:]:
        if token.startswith("-"):
            break
        words.append(token)
    return tuple(words)


def _starts_with(words: tuple[str, ...], command: tuple[str, ...]) -> bool:
    return words[: len(command)] == command


def _options_for(table: dict[tuple[str, ...], frozenset[str]], words: tuple[str, ...]) -> frozenset[str]:
    found: frozenset[str] = frozenset()
    for command, options in table.items():
        if _starts_with(words, command):
            found |= options
    return found


def _option_name(token: str) -> str | None:
    """`--output` of `--output=x`, `-o` of `-ox`; None for an argument (including "-" and "-5")."""
    if token.startswith("--") and len(token) > 2:
        return token.split("=", 1)[0]
    if token.startswith("-") and len(token) > 1 and not token[1].isdigit():
        return token[:2]
    return None


def _value(args: Sequence[str], index: int) -> str | None:
    token = args[index]
    if "=" in token and token.startswith("--"):
        return token.split("=", 1)[1]
    if not token.startswith("--") and len(token) > 2:
        return token[2:]
    return args[index + 1] if index + 1 < len(args) else None
