"""`smtool user`: the people who use this installation, and the SSH keys that prove who they are."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from smtool.cli import common
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.identity import keys
from smtool.services.installation.accounts import list_users

group = typer.Typer(help=N_("Users and their roles."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="user")


@group.command("list", help=N_("List users, their roles and teams as applied (`smtool config apply`)."))
def list_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    with common.open_context() as ctx:
        users = list_users(ctx)
        common.note_unapplied_config(ctx)
    if as_json:
        common.emit_json(
            [
                {
                    "name": u.name,
                    "display_name": u.display_name,
                    "roles": u.roles,
                    "team": u.team,
                    "active": u.active,
                }
                for u in users
            ]
        )
        return
    table = Table(_("name"), _("display name"), _("roles"), _("team"), _("active"))
    for u in users:
        table.add_row(
            common.inert(u.name),
            common.inert(u.display_name or ""),
            ", ".join(u.roles),
            common.inert(u.team or ""),
            _("yes") if u.active else _("no"),
        )
    common.console.print(table)


@group.command(
    "add-key",
    help=N_("Register a person's SSH public key (admins); over SSH the key then proves who they are."),
)
def add_key_(
    name: str = typer.Argument(..., help=N_("The user whose key it is (`smtool user list`).")),
    file: Path | None = typer.Option(
        None, "--file", help=N_("The public key file (the .pub file); default: read it from standard input.")
    ),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    line = _read_key(file)
    with common.open_context() as ctx:
        key = keys.add_key(ctx, common.actor(as_user), name, line)
    common.console.print(
        _("Added the {type} key {fingerprint} of {user}.").format(
            type=key.key_type, fingerprint=key.fingerprint, user=common.inert(key.user)
        )
    )


def _read_key(file: Path | None) -> str:
    if file is None:
        if sys.stdin.isatty():
            raise UsageError(_("give the public key on standard input (`< anna.pub`) or with --file"))
        return common.stdin_text(keys.MAX_KEY_TEXT, _("the public key: one line of a .pub file"))
    try:
        with file.open("r", encoding="utf-8") as handle:
            return handle.read(keys.MAX_KEY_TEXT + 1)
    except UnicodeDecodeError:
        raise UsageError(_("{file} is not a text file; give the .pub file").format(file=file)) from None
    except OSError as e:
        raise UsageError(_("cannot read {file}: {reason}").format(file=file, reason=e.strerror)) from None


@group.command(
    "keys",
    help=N_(
        "List SSH keys with their fingerprints (as `ssh-keygen -lf` prints them), revoked"
        " ones too; a person may list their own, admins everyone's."
    ),
)
def keys_(
    name: str | None = typer.Argument(
        None, help=N_("Only this user's keys (default: everyone's for admins, your own for others).")
    ),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        rows = keys.list_keys(ctx, common.actor(as_user), name)
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json([_key_json(k) for k in rows])
        return
    # One line per key, never a table that would shorten the fingerprint: people compare it with
    # what `ssh-keygen -lf` prints on their own machine.
    for k in rows:
        revoked = (
            _("; revoked {time} by {person}").format(
                time=common.local_time(k.revoked_at, zone), person=k.revoked_by
            )
            if k.revoked_at
            else ""
        )
        added = _("added {time} by {person}").format(
            time=common.local_time(k.added_at, zone), person=common.inert(k.added_by)
        )
        common.console.print(
            f"{common.inert(k.user)}: {k.fingerprint} {k.key_type} {common.inert(k.comment or '')}; "
            f"{added}{common.inert(revoked)}"
        )
    if not rows:
        common.console.print(_("No keys."))


def _key_json(key: keys.KeyView) -> dict[str, object]:
    return {
        "user": key.user,
        "key_type": key.key_type,
        "fingerprint": key.fingerprint,
        "comment": key.comment,
        "added_by": key.added_by,
        "added_at": key.added_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "revoked_by": key.revoked_by,
    }


@group.command(
    "remove-key",
    help=N_("Revoke an SSH key: it stops working at once and stays on record (admins, or its owner)."),
)
def remove_key_(
    fingerprint: str = typer.Argument(
        ..., help=N_("The key's fingerprint, SHA256:... (`smtool user keys`).")
    ),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        key = keys.remove_key(ctx, common.actor(as_user), fingerprint)
    common.console.print(
        _("Revoked the key {fingerprint} of {user}; it no longer logs in.").format(
            fingerprint=key.fingerprint, user=common.inert(key.user)
        )
    )
