"""`smtool keys`: the key that encrypts platform tokens, and the public half of the signing key."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.domain.words import counted
from smtool.i18n import N_, _
from smtool.services.installation.keys import rotate
from smtool.services.records.signing import fingerprint, load_signing_key, public_pem, public_text

group = typer.Typer(help=N_("The installation's keys."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="keys")


@group.command(
    "rotate",
    help=N_(
        "Re-encrypt every stored token under a new key, then retire the old key.\n"
        "\n"
        "Workers may keep running: every token stays readable throughout. With "
        "SMTOOL_SECRET_KEY, put the new key first in it (old keys after) in every process"
        " before rotating. Exit 2, nothing changed, when a stored token does not open "
        "with the configured key."
    ),
)
def rotate_(as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP)) -> None:
    with common.open_context() as ctx:
        result = rotate(ctx, common.actor(as_user))
    common.console.print(
        _("Re-encrypted {tokens} under the new key.").format(tokens=counted(result.tokens, "token", "tokens"))
    )
    if result.from_environment:
        common.console.print(_("Now remove the old keys from SMTOOL_SECRET_KEY in every smtool process."))
    else:
        common.console.print(
            _("Retired {keys} from {file}.").format(
                keys=counted(result.retired, "old key", "old keys"),
                file=common.inert(str(ctx.settings.key_path)),
            )
        )


@group.command(
    "public",
    help=N_(
        "Print the public half of the institution's signing key (PEM) on standard output.\n"
        "\n"
        "Give it to whoever checks the institution's archives away from this installation"
        " (the national archive, an auditor): `smtool archive verify --public-key FILE "
        "ARCHIVE.zip`. It reveals nothing secret; its fingerprint, printed on standard "
        "error, is what archives and checkpoints name."
    ),
)
def public_() -> None:
    key = load_signing_key(common.settings()).public_key()
    print(public_pem(key), end="")
    common.err_console.print(
        _("Signing key fingerprint: {fingerprint}").format(fingerprint=fingerprint(public_text(key)))
    )
