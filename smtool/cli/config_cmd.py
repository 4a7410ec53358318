"""`smtool config show` (the configuration, secrets masked) and `smtool config apply` (config.toml's
users and accounts into the database, shown first and audited)."""

from __future__ import annotations

import sys
from typing import Any

import typer

from smtool.cli import common
from smtool.domain.words import counted
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.installation import directory, pending
from smtool.store.engine import describe_url

group = typer.Typer(help=N_("Configuration."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="config")


@group.command(
    "show", help=N_("Show the configuration in effect (file plus SMTOOL_* overrides), passwords masked.")
)
def show(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    settings = common.settings()
    data = settings.model_dump(mode="json", exclude={"source"})
    data["database"]["url"] = describe_url(settings.database.url)
    if as_json:
        common.emit_json(data)
        return
    print(f"# {settings.source}")
    print(to_toml(data))


@group.command(
    "apply",
    help=N_(
        "Apply config.toml's [[users]] and [[accounts]]: roles, teams, spokespeople, "
        "account settings.\n"
        "\n"
        "They live in the database; an edit of the file changes nothing until it is "
        "applied here. The difference is shown first and the change is audited. The "
        "operator or an admin may apply."
    ),
)
def apply(
    yes: bool = typer.Option(False, "--yes", help=N_("Apply without asking (for scripts).")),
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Only show what would change.")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
) -> None:
    settings = common.settings()
    with common.open_context() as ctx:
        changes = pending.pending_changes_of(ctx, settings)
        applied = bool(changes) and not dry_run and (yes or _confirmed(changes, as_json))
        if applied:
            directory.apply(ctx, settings, common.actor(as_user), expected=changes)
    if as_json:
        common.emit_json({"changes": [c.as_dict() for c in changes], "applied": applied})
    elif not changes:
        print(_("config.toml's users and accounts are applied; nothing to change."))
    elif applied:
        if yes:
            _print_changes(changes)
        made = counted(len(changes), "change", "changes")
        print(_("Applied {changes}; the audit log records them (config.apply).").format(changes=made))
    elif dry_run:
        _print_changes(changes)
        print(_("Nothing applied (--dry-run)."))
    else:
        print(_("Nothing applied."))


def _confirmed(changes: list[pending.Change], as_json: bool) -> bool:
    """Ask at a terminal; a script must say --yes (it saw the difference with --dry-run)."""
    if as_json or not sys.stdin.isatty():
        raise UsageError(
            _(
                "config.toml changes {what}; see them with `smtool config apply --dry-run`, then apply "
                "them with `smtool config apply --yes`"
            ).format(what=counted(len(changes), "user or account", "users or accounts"))
        )
    _print_changes(changes)
    return typer.confirm(_("Apply these changes?"), default=False)


def _print_changes(changes: list[pending.Change]) -> None:
    for change in changes:
        common.console.print(f"  {common.inert(change.describe())}")


def to_toml(data: dict[str, Any]) -> str:
    """Render settings as TOML: scalar sections first, then arrays of tables."""
    lines: list[str] = []
    for section, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{section}]")
            lines.extend(f"{k} = {_value(v)}" for k, v in value.items() if v is not None)
            lines.append("")
    for section, value in data.items():
        if isinstance(value, list):
            for table in value:
                lines.append(f"[[{section}]]")
                lines.extend(f"{k} = {_value(v)}" for k, v in table.items() if v is not None)
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _value(value: Any) -> str:
    # JSON strings, numbers, booleans and arrays of them are valid TOML.
    return common.to_json(value, indent=None)
