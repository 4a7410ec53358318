"""`smtool ssh`: what sshd runs on a shared installation, never a person (README "Shared installation").

`authorized-keys` answers sshd's AuthorizedKeysCommand, `write-authorized-keys` keeps a managed block
of an authorized_keys file instead, and `shell` is every key's forced command: it proves who
connected and runs their command in this process, so exit codes and output are exactly as local.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from smtool.cli import common
from smtool.domain.words import counted
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.identity import authorized, shell
from smtool.services.records.attribution import attribute_to

group = typer.Typer(
    help=N_("What sshd runs on a shared installation: the keys it accepts and each key's forced command."),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="ssh")


def _program() -> list[str]:
    """This smtool as an absolute command: the console script beside the running Python (a venv's
    bin/), else that Python with -m."""
    script = Path(sys.executable).parent / "smtool"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "smtool"]


def _config() -> Path:
    source = common.settings().source
    assert source is not None  # settings read from a file always know it
    return source


@group.command(
    "authorized-keys",
    help=N_(
        "Print the authorized_keys line of the key sshd offers, or nothing when it proves"
        " no one (for sshd's AuthorizedKeysCommand)."
    ),
)
def authorized_keys_(
    key_type: str = typer.Argument(..., help=N_("The type of the key sshd offers (%t in sshd_config).")),
    blob: str = typer.Argument(..., help=N_("The key's base64 (%k in sshd_config).")),
) -> None:
    with common.open_context() as ctx:
        line = authorized.authorized_line(ctx, _program(), _config(), key_type, blob)
    if line:
        print(line)


@group.command(
    "write-authorized-keys",
    help=N_(
        "Write every active key into smtool's block of an authorized_keys file (mode "
        "0600), keeping its other lines; run it again after adding or revoking keys (or "
        "use AuthorizedKeysCommand)."
    ),
)
def write_authorized_keys_(
    path: Path = typer.Argument(..., help=N_("The authorized_keys file of the installation's OS account.")),
) -> None:
    with common.open_context() as ctx:
        count = authorized.write_authorized_keys(ctx, path, _program(), _config())
    common.console.print(
        _("Wrote {keys} into {file}.").format(
            keys=counted(count, "key", "keys"), file=common.inert(str(path))
        )
    )


@group.command(
    "shell",
    help=N_("A key's forced command: run SSH_ORIGINAL_COMMAND (or the TUI) as the person the key proves."),
)
def shell_(
    fingerprint: str = typer.Argument(..., help=N_("The fingerprint of the key that connected.")),
) -> None:
    from smtool.cli import main

    shell.clean_environment(os.environ)
    config = _config()
    with common.open_context() as ctx:
        # Until the key proves someone, the connection is all that is known: a refusal names it.
        attribute_to(ctx.db, f"ssh {fingerprint}")
        identity = shell.prove(ctx, fingerprint)
    # From here the person is known: a refusal of their command is said in their language.
    common.state.proven = identity
    common.speak_to(identity.user)
    args = shell.command_arguments(os.environ.get("SSH_ORIGINAL_COMMAND"))
    if args is None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError(_(shell.TUI_NEEDS_TERMINAL))
        args = ["tui"]
    main.run(["--config", str(config), *args])
