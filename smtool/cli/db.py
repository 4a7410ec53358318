"""`smtool db`: schema migrations."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.i18n import N_, _
from smtool.services.installation.setup import upgrade_database

group = typer.Typer(help=N_("Database schema."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="db")


@group.command("upgrade", help=N_("Migrate the database to this version's schema (safe to run repeatedly)."))
def upgrade() -> None:
    before, after = upgrade_database(common.settings(), common.actor(), via=common.via())
    if before == after:
        common.console.print(_("Database schema is current ({revision}).").format(revision=after))
    else:
        common.console.print(
            _("Database schema {before} -> {after}.").format(before=before or _("empty"), after=after)
        )
