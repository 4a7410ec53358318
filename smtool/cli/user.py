"""`smtool user`: the people who use this installation, and the SSH keys that prove who they are."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from smtool.cli import common
from smtool.errors import UsageError
from smtool.services.identity import keys
from smtool.services.installation.accounts import list_users

group = typer.Typer(help="Users and their roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="user")


@group.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    """List users, their roles and teams as applied (`smtool config apply`)."""
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
    table = Table("name", "display name", "roles", "team", "active")
    for u in users:
        table.add_row(
            common.inert(u.name),
            common.inert(u.display_name or ""),
            ", ".join(u.roles),
            common.inert(u.team or ""),
            "yes" if u.active else "no",
        )
    common.console.print(table)


@group.command("add-key")
def add_key_(
    name: str = typer.Argument(..., help="The user whose key it is (`smtool user list`)."),
    file: Path | None = typer.Option(
        None, "--file", help="The public key file (the .pub file); default: read it from standard input."
    ),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Register a person's SSH public key (admins); over SSH the key then proves who they are."""
    line = _read_key(file)
    with common.open_context() as ctx:
        key = keys.add_key(ctx, common.actor(as_user), name, line)
    common.console.print(f"Added the {key.key_type} key {key.fingerprint} of {common.inert(key.user)}.")


def _read_key(file: Path | None) -> str:
    if file is None:
        if sys.stdin.isatty():
            raise UsageError("give the public key on standard input (`< anna.pub`) or with --file")
        return common.stdin_text(keys.MAX_KEY_TEXT, "the public key: one line of a .pub file")
    try:
        with file.open("r", encoding="utf-8") as handle:
            return handle.read(keys.MAX_KEY_TEXT + 1)
    except UnicodeDecodeError:
        raise UsageError(f"{file} is not a text file; give the .pub file") from None
    except OSError as e:
        raise UsageError(f"cannot read {file}: {e.strerror}") from None


@group.command("keys")
def keys_(
    name: str | None = typer.Argument(
        None, help="Only this user's keys (default: everyone's for admins, your own for others)."
    ),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """List SSH keys with their fingerprints (as `ssh-keygen -lf` prints them), revoked ones too;
    a person may list their own, admins everyone's."""
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
            f"; revoked {common.local_time(k.revoked_at, zone)} by {k.revoked_by}" if k.revoked_at else ""
        )
        added = common.local_time(k.added_at, zone)
        common.console.print(
            f"{common.inert(k.user)}: {k.fingerprint} {k.key_type} {common.inert(k.comment or '')}; "
            f"added {added} by {common.inert(k.added_by)}{common.inert(revoked)}"
        )
    if not rows:
        common.console.print("No keys.")


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


@group.command("remove-key")
def remove_key_(
    fingerprint: str = typer.Argument(..., help="The key's fingerprint, SHA256:... (`smtool user keys`)."),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    """Revoke an SSH key: it stops working at once and stays on record (admins, or its owner)."""
    with common.open_context() as ctx:
        key = keys.remove_key(ctx, common.actor(as_user), fingerprint)
    common.console.print(
        f"Revoked the key {key.fingerprint} of {common.inert(key.user)}; it no longer logs in."
    )
