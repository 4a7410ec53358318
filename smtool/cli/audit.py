"""`smtool audit`: the hash-chained audit log and its signed checkpoints."""

from __future__ import annotations

from pathlib import Path

import typer

from smtool.cli import common
from smtool.services.records.audit import verify
from smtool.services.records.checkpoints import check_against, write_checkpoint

group = typer.Typer(help="The audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="audit")


@group.command("verify")
def verify_(
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="Also prove the log was not rewritten since this checkpoint (`smtool audit checkpoint`).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Recompute the audit log's hash chain; exit 1 and name the first broken row if it was altered.

    With --checkpoint: exit 1 when the rows the checkpoint covers no longer hash to its head, exit 2
    when the file is not a valid checkpoint of this installation (other institution, other key,
    altered)."""
    if checkpoint is not None:
        _verify_checkpoint(checkpoint, as_json)
        return
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


def _verify_checkpoint(path: Path, as_json: bool) -> None:
    with common.open_context() as ctx:
        result = check_against(ctx, path)
        made = common.local_time(result.created_at, ctx.settings.institution.timezone)
    if as_json:
        common.emit_json(
            {
                "ok": result.ok,
                "checkpoint_rows": result.covered_rows,
                "rows": result.rows_now,
                "checkpoint_created_at": result.created_at,
                "reason": result.reason,
            }
        )
    elif result.ok:
        common.console.print(
            f"OK: the {result.covered_rows} rows of the checkpoint of {made} still hash to "
            f"its head; {result.rows_now - result.covered_rows} rows added since, chain intact"
        )
    else:
        common.err_console.print(f"FAILED against the checkpoint of {made}: {result.reason}")
    if not result.ok:
        raise typer.Exit(1)


@group.command("checkpoint")
def checkpoint_(
    output: Path = typer.Option(..., "--output", "-o", help="File to write; keep it outside this server."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Write the log's head hash and row count, signed with the institution's key, to a file.

    Keep the file elsewhere (another system, paper, the archive); `smtool audit verify --checkpoint
    FILE` later proves the log was not rewritten since. Exit 1 if the log is already broken."""
    with common.open_context() as ctx:
        fields = write_checkpoint(ctx, output, common.actor(as_user))
    common.console.print(
        f"Wrote {common.inert(str(output))}: {fields['rows']} rows, head {fields['head_hash']}, "
        f"signed by {common.inert(fields['institution'])}"
    )
