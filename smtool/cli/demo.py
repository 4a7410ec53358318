"""`smtool demo`: the main job of `make run`.

It initialises a local installation next to its config file when there is none, then shows the
installation's status. Later steps of the product (the sandbox flow, the TUI) take over from here.
"""

from __future__ import annotations

import typer
from rich.table import Table

from smtool.cli import common
from smtool.config import config_path
from smtool.services.context import Context
from smtool.services.setup import initialise
from smtool.services.status import status


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo() -> None:
    """Initialise a local installation if needed and show its status."""
    path = config_path(common.state.config_path)
    if not path.exists():
        common.console.print(f"Creating a local installation in {common.inert(str(path.parent))}")
        initialise(path, actor=common.actor())
    with Context.open(common.settings()) as ctx:
        show_status(ctx)


def show_status(ctx: Context) -> None:
    s = status(ctx)
    out = common.console
    out.print(f"[bold]{common.inert(s.institution)}[/] ({s.timezone})")
    out.print(f"Database: {common.inert(s.database)}, schema {s.schema}")
    out.print(
        f"Users: {s.users}  Posts: {s.posts}  Publications: {s.publications}  Inbox items: {s.inbox_items}"
    )
    table = Table("account", "platform", "handle", "token", title="Accounts")
    for a in s.accounts:
        table.add_row(common.inert(a.id), a.platform, common.inert(a.handle), a.token_status)
    out.print(table)
    verdict = "intact" if s.audit.ok else f"BROKEN at row {s.audit.broken_id}"
    out.print(f"Audit log: {s.audit.rows} rows, chain {verdict}")
