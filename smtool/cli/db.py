"""`smtool db`: schema migrations."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.services.installation.setup import upgrade_database

group = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="db")


@group.command("upgrade")
def upgrade() -> None:
    """Migrate the database to this version's schema (safe to run repeatedly)."""
    before, after = upgrade_database(common.settings(), common.actor(), via=common.via())
    if before == after:
        common.console.print(f"Database schema is current ({after}).")
    else:
        common.console.print(f"Database schema {before or 'empty'} -> {after}.")
