"""`smtool init`: create an installation (config, key, database) or bring one up to date."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from smtool.cli import common
from smtool.config import config_path, load_settings
from smtool.domain.words import counted
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.installation.setup import TRAINING_INSTITUTION, InitReport, initialise


def register(app: typer.Typer) -> None:
    app.command(
        "init",
        help=N_(
            "Create config.toml (if missing), the keys and the database; the first time, "
            "write config.toml's users and accounts into it (later edits: `smtool config "
            "apply`)."
        ),
    )(init)


def init(
    sandbox: bool = typer.Option(
        False, "--sandbox", help=N_("Configure a training installation on the sandbox platform.")
    ),
    port: int = typer.Option(
        8787, "--port", min=1, max=65535, help=N_("Port of the sandbox platform (with --sandbox).")
    ),
    institution: str | None = typer.Option(
        None,
        "--institution",
        help=N_(
            "Institution name for a new config file (asked in a terminal; a training installation "
            "without it is the sandbox's)."
        ),
    ),
) -> None:
    path = config_path(common.state.config_path)
    name = _institution(path, institution, training=sandbox)
    if sandbox:
        from smtool.cli.sandbox_setup import prepare_sandbox_init

        extra, accounts = prepare_sandbox_init(path, port)
        report = initialise(
            path,
            actor=common.actor(),
            institution=name,
            extra_config=extra,
            sandbox_accounts=accounts,
            via=common.via(),
        )
    else:
        report = initialise(path, actor=common.actor(), institution=name, via=common.via())
    _print(report)


def _institution(path: Path, given: str | None, *, training: bool) -> str:
    """The institution name for a new config file: --institution, else asked in a terminal; a
    training installation may go without (the sandbox's). Where config.toml exists its name stands.

    Raises UsageError for an empty name, for no name off a terminal, and for an --institution that
    differs from the existing file's (which would otherwise be ignored without a word).
    """
    if path.exists():
        if given is not None:
            current = load_settings(path).institution.name
            if given.strip() != current:
                raise UsageError(
                    _(
                        "{file} already names the institution {name}; --institution only names it in a "
                        "new config file: edit [institution] name there instead"
                    ).format(file=path, name=repr(current))
                )
        return given or TRAINING_INSTITUTION
    if given is None:
        if sys.stdin.isatty():
            given = typer.prompt(_("Institution name (shown in reports, the TUI and audit checkpoints)"))
        elif training:
            return TRAINING_INSTITUTION
        else:
            raise UsageError(
                _('name the institution: `smtool init --institution "NAME"` (asked when run in a terminal)')
            )
    name = " ".join(given.split())
    if not name:
        raise UsageError(_('the institution name is empty; give it as --institution "NAME"'))
    return name


def _print(report: InitReport) -> None:
    out = common.console
    where = report.config_path
    said = _("Wrote {file}") if report.config_written else _("Using {file}")
    out.print(said.format(file=common.inert(str(where))))
    if report.key_created:
        key = common.inert(str(Path(where).parent / "smtool.key"))
        out.print(_("Created the secret key {file} (0600)").format(file=key))
    if report.schema_before != report.schema_after:
        out.print(
            _("Database schema {before} -> {after}").format(
                before=report.schema_before or _("empty"), after=report.schema_after
            )
        )
    else:
        out.print(_("Database schema is current ({revision})").format(revision=report.schema_after))
    for change in report.changes:
        out.print(f"  {common.inert(change.describe())}")
    if report.pending:
        out.print(
            _(
                "config.toml changes {what}; they take effect only when applied: review them with "
                "`smtool config apply`"
            ).format(what=counted(len(report.pending), "user or account", "users or accounts"))
        )
    for account in report.tokens_stored:
        out.print(
            _("  stored the sandbox token of {account} (encrypted)").format(account=common.inert(account))
        )
    out.print(_("Ready. Next: `smtool account list`, `smtool audit verify`."))
