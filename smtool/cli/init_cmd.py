"""`smtool init`: create an installation (config, key, database) or bring one up to date."""

from __future__ import annotations

from pathlib import Path

import typer

from smtool.cli import common
from smtool.config import config_path
from smtool.services.installation.setup import InitReport, initialise


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    sandbox: bool = typer.Option(
        False, "--sandbox", help="Configure a training installation on the sandbox platform."
    ),
    port: int = typer.Option(
        8787, "--port", min=1, max=65535, help="Port of the sandbox platform (with --sandbox)."
    ),
    institution: str = typer.Option(
        "Valsts kanceleja", "--institution", help="Institution name for a new config file."
    ),
) -> None:
    """Create config.toml (if missing), the keys and the database; the first time, write config.toml's
    users and accounts into it (later edits: `smtool config apply`)."""
    path = config_path(common.state.config_path)
    if sandbox:
        from smtool.cli.sandbox_setup import prepare_sandbox_init

        extra, accounts = prepare_sandbox_init(path, port)
        report = initialise(
            path,
            actor=common.actor(),
            institution=institution,
            extra_config=extra,
            sandbox_accounts=accounts,
            via=common.via(),
        )
    else:
        report = initialise(path, actor=common.actor(), institution=institution, via=common.via())
    _print(report)


def _print(report: InitReport) -> None:
    out = common.console
    where = report.config_path
    out.print(f"{'Wrote' if report.config_written else 'Using'} {common.inert(str(where))}")
    if report.key_created:
        out.print(f"Created the secret key {common.inert(str(Path(where).parent / 'smtool.key'))} (0600)")
    if report.schema_before != report.schema_after:
        out.print(f"Database schema {report.schema_before or 'empty'} -> {report.schema_after}")
    else:
        out.print(f"Database schema is current ({report.schema_after})")
    for change in report.changes:
        out.print(f"  {common.inert(change.describe())}")
    if report.pending:
        out.print(
            f"config.toml changes {len(report.pending)} user(s) or account(s); they take effect only "
            "when applied: review them with `smtool config apply`"
        )
    for account in report.tokens_stored:
        out.print(f"  stored the sandbox token of {common.inert(account)} (encrypted)")
    out.print("Ready. Next: `smtool account list`, `smtool audit verify`.")
