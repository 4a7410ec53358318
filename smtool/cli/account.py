"""`smtool account`: managed accounts and their tokens."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from smtool.cli import common
from smtool.errors import NotFound, UsageError
from smtool.services.installation.accounts import list_accounts, set_token

group = typer.Typer(help="Managed social media accounts.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="account")


@group.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """List accounts with their platform, kind, spokespeople and token health."""
    with common.open_context() as ctx:
        accounts = list_accounts(ctx)
        common.note_unapplied_config(ctx)
    if as_json:
        common.emit_json(
            [
                {
                    "id": a.id,
                    "platform": a.platform,
                    "handle": a.handle,
                    "kind": a.kind,
                    "token": a.token_status,
                    "token_set_at": a.token_set_at,
                    "sandbox": a.base_url,
                    "active": a.active,
                    "spokespeople": list(a.spokespeople),
                }
                for a in accounts
            ]
        )
        return
    table = Table("id", "platform", "handle", "kind", "token", "spokespeople", "active")
    for a in accounts:
        table.add_row(
            common.inert(a.id),
            a.platform + (" (sandbox)" if a.base_url else ""),
            common.inert(a.handle),
            a.kind,
            a.token_status,
            common.inert(", ".join(a.spokespeople)),
            "yes" if a.active else "no",
        )
    common.console.print(table)


@group.command("set-token")
def set_token_(
    account: str = typer.Argument(..., help="Account id from config.toml."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Store an account's access token, encrypted. The token is read from a prompt or stdin,
    never from an argument (arguments end up in shell history and process lists)."""
    if sys.stdin.isatty():
        token = typer.prompt(f"Token for {account}", hide_input=True)
    else:
        token = sys.stdin.readline()
    if not token:
        raise UsageError("no token on standard input; pipe it in or run interactively")
    with common.open_context() as ctx:
        try:
            set_token(ctx, account, token, common.actor(as_user))
        except NotFound:
            # An account just added to config.toml is not in effect until applied: say so.
            common.note_unapplied_config(ctx)
            raise
    common.console.print(f"Stored the token of {common.inert(account)} (encrypted).")
