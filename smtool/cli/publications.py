"""`smtool publications`: the outbox, one row per post and account."""

from __future__ import annotations

import typer
from rich.table import Table

from smtool.cli import common
from smtool.services.publishing.seals import verify_publications
from smtool.services.publishing.views import list_publications

group = typer.Typer(help="Publications: what goes out, where and when.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="publications")


@group.command("list")
def list_(
    state: str | None = typer.Option(None, "--state", help="Only publications in this state."),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
) -> None:
    """List publications with their state; failed, unknown, needs_reauth and held need a person."""
    with common.open_context() as ctx:
        rows = list_publications(ctx, state)
    if as_json:
        common.emit_json(rows)
        return
    table = Table("id", "post", "account", "state", "due (UTC)", "attempt", "remote id", "error")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["post_id"]),
            common.inert(r["account"]),
            r["state"],
            r["due_at"][:16],
            str(r["attempt"]),
            common.inert(r["remote_id"] or ""),
            common.inert(r["last_error"] or ""),
        )
    common.console.print(table)


@group.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """Check the seal of every publication that may still go out; exit 1 naming each one the worker
    would hold (changed in the database after approval, or never approved through smtool)."""
    with common.open_context() as ctx:
        problems = verify_publications(ctx)
    if as_json:
        common.emit_json(problems)
    elif problems:
        table = Table("id", "post", "account", "state", "why it would be held")
        for p in problems:
            table.add_row(
                str(p["id"]), str(p["post_id"]), common.inert(p["account"]), p["state"], p["reason"]
            )
        common.console.print(table)
    else:
        common.console.print("Every publication that may still go out is sealed as approved.")
    if problems:
        raise typer.Exit(1)
