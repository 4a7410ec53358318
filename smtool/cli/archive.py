"""`smtool archive`: the institution's own archive of its public records."""

from __future__ import annotations

from pathlib import Path

import typer

from smtool.cli import common
from smtool.domain.words import counted
from smtool.services.records.archive import export_archive, verify_archive
from smtool.services.reports.period import parse_day

group = typer.Typer(help="Archive public records for transfer to the national archive.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="archive")


@group.command("export")
def export_(
    from_: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, institution's time zone)."),
    to: str = typer.Option(..., "--to", help="Last day, included (YYYY-MM-DD)."),
    output: Path = typer.Option(..., "--output", "-o", help="The .zip file to write (must not exist)."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Export every published post, inbox item (hidden ones too), approval and moderation action
    of the period, with raw platform payloads, media, a register and SHA-256 manifests (a zipped
    BagIt bag). Written whole or not at all."""
    start, end = parse_day(from_, "--from"), parse_day(to, "--to")
    with common.open_context() as ctx:
        report = export_archive(ctx, start, end, output, common.actor(as_user))
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in report.counts.items())
    common.console.print(
        f"Wrote {common.inert(str(output))}: {counts}, {counted(report.media_files, 'media file')}."
    )
    for name in report.missing_media:
        common.err_console.print(f"Media file missing, noted in its record: {common.inert(name)}")


@group.command("verify")
def verify_(
    archive: Path = typer.Argument(..., help="The archive's .zip file."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check every file of an archive against its SHA-256 manifests.

    Exit 1 when a file was modified, is missing or was added; exit 2 when the zip cannot be read."""
    result = verify_archive(archive)
    if as_json:
        common.emit_json(
            {"ok": result.ok, "files": result.files, "records": result.records, "problems": result.problems}
        )
    elif result.ok:
        common.console.print(f"OK: {result.files} files match their checksums; {result.records} records.")
    else:
        for problem in result.problems[:50]:
            common.err_console.print(f"FAILED: {common.inert(problem)}")
        if len(result.problems) > 50:
            common.err_console.print(f"... and {len(result.problems) - 50} more problems")
    if not result.ok:
        raise typer.Exit(1)
