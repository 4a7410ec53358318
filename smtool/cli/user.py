"""`smtool user`: the people who use this installation."""

from __future__ import annotations

import typer
from rich.table import Table

from smtool.cli import common
from smtool.services.installation.accounts import list_users

group = typer.Typer(help="Users and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="user")


@group.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """List users, their roles and teams (from config.toml, synced into the database)."""
    with common.open_context() as ctx:
        users = list_users(ctx)
    if as_json:
        common.emit_json(
            [
                {
                    "name": u.name,
                    "display_name": u.display_name,
                    "roles": u.roles,
                    "team": u.team,
                    "active": u.active,
                }
                for u in users
            ]
        )
        return
    table = Table("name", "display name", "roles", "team", "active")
    for u in users:
        table.add_row(
            common.inert(u.name),
            common.inert(u.display_name or ""),
            ", ".join(u.roles),
            common.inert(u.team or ""),
            "yes" if u.active else "no",
        )
    common.console.print(table)
