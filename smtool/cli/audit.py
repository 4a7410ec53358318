"""`smtool audit`: the hash-chained audit log."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.services.audit import verify

group = typer.Typer(help="The audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="audit")


@group.command("verify")
def verify_(
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Recompute the audit log's hash chain; exit 1 and name the first broken row if it was altered."""
    with common.open_context() as ctx:
        result = verify(ctx.db)
    if as_json:
        common.emit_json(
            {
                "ok": result.ok,
                "rows": result.rows,
                "head_hash": result.head_hash,
                "broken_id": result.broken_id,
                "reason": result.reason,
            }
        )
    elif result.ok:
        common.console.print(f"OK: {result.rows} audit rows, chain intact, head {result.head_hash}")
    else:
        common.err_console.print(
            f"BROKEN at audit row {result.broken_id}: {result.reason}. "
            f"The {result.rows} rows before it verify."
        )
    if not result.ok:
        raise typer.Exit(1)
