"""`smtool audit`: the hash-chained audit log and its signed checkpoints."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import typer

from smtool.cli import common
from smtool.domain.words import counted
from smtool.i18n import N_, _
from smtool.services.records.audit import verify
from smtool.services.records.checkpoints import (
    CheckpointCheck,
    check_against,
    check_newest,
    take_checkpoint,
    write_checkpoint,
)

group = typer.Typer(help=N_("The audit log."), no_args_is_help=True)

# A worker writes a checkpoint daily: one older than this says no worker has run for a while.
_STALE = timedelta(days=2)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="audit")


@group.command(
    "verify",
    help=N_(
        "Recompute the audit log's hash chain, and check it against the newest signed "
        "checkpoint in [security] checkpoint_folder (the worker writes one at start and "
        "daily), saying how old it is.\n"
        "\n"
        "Exit 1 when a row was altered (the first broken one is named) or the rows the "
        "checkpoint covers no longer hash to its head (rewritten, or cut from the end); "
        "exit 2 when the checkpoint is not a valid checkpoint of this installation (other"
        " institution, other key, altered). With --checkpoint FILE, that file is checked "
        "instead (one kept on another system)."
    ),
)
def verify_(
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help=N_(
            "Prove the log was not rewritten since this checkpoint, instead of the newest one in "
            "[security] checkpoint_folder."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the result as JSON.")),
) -> None:
    if checkpoint is not None:
        _verify_checkpoint(checkpoint, as_json)
        return
    with common.open_context() as ctx:
        result = verify(ctx.db)
        newest = check_newest(ctx)
        folder = ctx.settings.checkpoint_folder
    if as_json:
        common.emit_json(
            {
                "ok": result.ok and (newest is None or newest.check.ok),
                "rows": result.rows,
                "head_hash": result.head_hash,
                "broken_id": result.broken_id,
                "reason": result.reason,
                "checkpoint": None
                if newest is None
                else {
                    "file": str(newest.path),
                    "age_seconds": int(newest.age.total_seconds()),
                    **_checkpoint_json(newest.check),
                },
            }
        )
    else:
        if result.ok:
            common.console.print(
                _("OK: {rows}, chain intact, head {head}").format(
                    rows=counted(result.rows, "audit row", "audit rows"), head=result.head_hash
                )
            )
        else:
            common.err_console.print(
                _("BROKEN at audit row {id}: {reason}. The rows before it verify: {rows}.").format(
                    id=result.broken_id, reason=result.reason, rows=counted(result.rows, "row", "rows")
                )
            )
        if newest is None:
            common.err_console.print(
                _(
                    "No checkpoint in {folder}: rows cut from the end of the log could not be found. A "
                    "running worker writes one at start and daily; `smtool audit checkpoint` writes one now."
                ).format(folder=common.inert(str(folder)))
            )
        else:
            label = _("the newest checkpoint, {file}, made {age} ago").format(
                file=common.inert(newest.path.name), age=_age(newest.age)
            )
            _print_checkpoint(newest.check, label)
            if newest.age > _STALE:
                common.err_console.print(
                    _(
                        "That checkpoint is more than two days old: is a worker running? Rows added since "
                        "it are covered by no checkpoint."
                    )
                )
    if not result.ok or (newest is not None and not newest.check.ok):
        raise typer.Exit(1)


def _verify_checkpoint(path: Path, as_json: bool) -> None:
    with common.open_context() as ctx:
        result = check_against(ctx, path)
        made = common.local_time(result.created_at, ctx.settings.institution.timezone)
    if as_json:
        common.emit_json(_checkpoint_json(result))
    else:
        _print_checkpoint(result, _("the checkpoint of {time}").format(time=made))
    if not result.ok:
        raise typer.Exit(1)


def _checkpoint_json(result: CheckpointCheck) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "checkpoint_rows": result.covered_rows,
        "rows": result.rows_now,
        "checkpoint_created_at": result.created_at,
        "reason": result.reason,
    }


def _print_checkpoint(result: CheckpointCheck, label: str) -> None:
    if result.ok:
        common.console.print(
            _(
                "OK: the rows of {label} ({rows}) still hash to its head; added since: {added}; chain intact"
            ).format(
                label=label,
                rows=counted(result.covered_rows, "row", "rows"),
                added=counted(result.rows_now - result.covered_rows, "row", "rows"),
            )
        )
    else:
        common.err_console.print(
            _("FAILED against {label}: {reason}").format(label=label, reason=result.reason)
        )


def _age(age: timedelta) -> str:
    """A duration as a person reads it: 40 s, 12 min, 5 h 3 min, 3 days 2 h."""
    seconds = max(int(age.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{counted(days, 'day', 'days')} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


@group.command(
    "checkpoint",
    help=N_(
        "Write the log's head hash and row count, signed with the institution's key, to a"
        " file.\n"
        "\n"
        "Keep a copy elsewhere (another system, paper, the archive): someone who can "
        "rewrite the database may also reach the checkpoint folder on this server. "
        "`smtool audit verify` checks the newest one in the folder, `--checkpoint FILE` "
        "any other. Exit 1 if the log is already broken."
    ),
)
def checkpoint_(
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help=N_("File to write (never over an existing one); default: new in [security] checkpoint_folder."),
    ),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        actor = common.actor(as_user)
        if output is None:
            output, fields = take_checkpoint(ctx, actor)
        else:
            fields = write_checkpoint(ctx, output, actor)
    common.console.print(
        _("Wrote {file}: {rows}, head {head}, signed by {institution}").format(
            file=common.inert(str(output)),
            rows=counted(int(fields["rows"]), "row", "rows"),
            head=fields["head_hash"],
            institution=common.inert(fields["institution"]),
        )
    )
