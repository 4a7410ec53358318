"""`smtool archive`: the institution's own archive of its public records."""

from __future__ import annotations

from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smtool.cli import common
from smtool.domain.words import counted, forms
from smtool.errors import SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.records.archive import export_archive, verify_archive
from smtool.services.records.signing import load_public_key, load_signing_key
from smtool.services.reports.period import parse_day

group = typer.Typer(
    help=N_("Archive public records for transfer to the national archive."), no_args_is_help=True
)


# The records an archive counts, in words (the record files keep these kinds as their names).
_KINDS = {
    "post": forms("post", "posts"),
    "approval": forms("approval", "approvals"),
    "inbox_item": forms("inbox item", "inbox items"),
    "moderation_action": forms("moderation action", "moderation actions"),
}


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="archive")


@group.command(
    "export",
    help=N_(
        "Export every published post, inbox item (hidden ones too), approval and "
        "moderation action of the period, with raw platform payloads, media, a register "
        "and SHA-256 manifests (a zipped BagIt bag). Written whole or not at all."
    ),
)
def export_(
    from_: str = typer.Option(..., "--from", help=N_("First day (YYYY-MM-DD, institution's time zone).")),
    to: str = typer.Option(..., "--to", help=N_("Last day, included (YYYY-MM-DD).")),
    output: Path = typer.Option(..., "--output", "-o", help=N_("The .zip file to write (must not exist).")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    start, end = parse_day(from_, "--from"), parse_day(to, "--to")
    with common.open_context() as ctx:
        report = export_archive(ctx, start, end, output, common.actor(as_user))
    counts = ", ".join(
        counted(n, *_KINDS[kind]) if kind in _KINDS else f"{n} {kind}" for kind, n in report.counts.items()
    )
    common.console.print(
        _("Wrote {file}, signed with key {key}: {counts}, {media}.").format(
            file=common.inert(str(output)),
            key=report.signed_by,
            counts=counts,
            media=counted(report.media_files, "media file", "media files"),
        )
    )
    for name in report.missing_media:
        common.err_console.print(
            _("Media file missing, noted in its record: {name}").format(name=common.inert(name))
        )


@group.command(
    "verify",
    help=N_(
        "Check an archive's signature and every file against its SHA-256 manifests.\n"
        "\n"
        "The signature in bag-info.txt is checked with the institution's public key: this"
        " installation's, or the file given with --public-key, so that anyone can check "
        "an archive without the installation. Exit 1 when a file was modified, is missing"
        " or was added, or the signature does not hold; exit 2 when the zip or the key "
        "file cannot be read."
    ),
)
def verify_(
    archive: Path = typer.Argument(..., help=N_("The archive's .zip file.")),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help=N_(
            "The institution's public key file (`smtool keys public`); default: this installation's key."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the result as JSON.")),
) -> None:
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
            _("OK: signed with key {key}; {files} match their checksums; {records}.").format(
                key=result.signed_by,
                files=counted(result.files, "file", "files"),
                records=counted(result.records, "record", "records"),
            )
        )
    else:
        for problem in result.problems[:50]:
            common.err_console.print(_("FAILED: {problem}").format(problem=common.inert(problem)))
        if len(result.problems) > 50:
            common.err_console.print(
                _("... and {problems} more").format(
                    problems=counted(len(result.problems) - 50, "problem", "problems")
                )
            )
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
            e.msg
            + "\n"
            + _(
                "To check an archive away from the installation that made it, give the institution's "
                "public key with --public-key FILE (`smtool keys public` there writes it)."
            )
        ) from None
