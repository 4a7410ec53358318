"""`smtool archive`: the institution's own archive of its public records."""

from __future__ import annotations

from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smtool.cli import common
from smtool.domain.words import counted
from smtool.errors import SmtoolError, UsageError
from smtool.services.records.archive import export_archive, verify_archive
from smtool.services.records.signing import load_public_key, load_signing_key
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
        f"Wrote {common.inert(str(output))}, signed with key {report.signed_by}: {counts}, "
        f"{counted(report.media_files, 'media file', 'media files')}."
    )
    for name in report.missing_media:
        common.err_console.print(f"Media file missing, noted in its record: {common.inert(name)}")


@group.command("verify")
def verify_(
    archive: Path = typer.Argument(..., help="The archive's .zip file."),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="The institution's public key file (`smtool keys public`); default: this installation's key.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check an archive's signature and every file against its SHA-256 manifests.

    The signature in bag-info.txt is checked with the institution's public key: this installation's,
    or the file given with --public-key, so that anyone can check an archive without the installation.
    Exit 1 when a file was modified, is missing or was added, or the signature does not hold; exit 2
    when the zip or the key file cannot be read."""
    result = verify_archive(archive, _public_key(public_key))
    if as_json:
        common.emit_json(
            {
                "ok": result.ok,
                "files": result.files,
                "records": result.records,
                "signed_by": result.signed_by,
                "problems": result.problems,
            }
        )
    elif result.ok:
        common.console.print(
            f"OK: signed with key {result.signed_by}; {result.files} files match their checksums; "
            f"{result.records} records."
        )
    else:
        for problem in result.problems[:50]:
            common.err_console.print(f"FAILED: {common.inert(problem)}")
        if len(result.problems) > 50:
            common.err_console.print(f"... and {len(result.problems) - 50} more problems")
    if not result.ok:
        raise typer.Exit(1)


def _public_key(path: Path | None) -> Ed25519PublicKey:
    """The key to check a signature with: the file given, else this installation's signing key."""
    if path is not None:
        return load_public_key(path)
    try:
        return load_signing_key(common.settings()).public_key()
    except SmtoolError as e:
        raise UsageError(
            f"{e.msg}\nTo check an archive away from the installation that made it, give the "
            "institution's public key with --public-key FILE (`smtool keys public` there writes it)."
        ) from None
