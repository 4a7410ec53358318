"""The forced command's reading of what a person sent: words, never a shell; nothing that would
choose another person, installation or a file on the server; the operator's commands kept local."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from sqlmodel import select
from typer.main import get_command

from smtool.cli.main import app
from smtool.errors import PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.identity.keys import add_key, remove_key
from smtool.services.identity.shell import (
    SERVER_FILE_COMMANDS,
    SERVER_FILE_OPTIONS,
    SERVICE_ONLY,
    check_arguments,
    clean_environment,
    command_arguments,
    prove,
)
from smtool.services.refusals import REFUSED
from smtool.store.tables import AuditEvent
from tests.support.ssh import keygen, public


@pytest.mark.parametrize(
    ("original", "args"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("post show 7 --json", ["post", "show", "7", "--json"]),
        (
            "post new --account vk-x 'Teksts ar \"pēdiņām\"'",
            ["post", "new", "--account", "vk-x", 'Teksts ar "pēdiņām"'],
        ),
        # No shell ever sees these: each is a plain word for the CLI, which refuses what it does not know.
        ("post list; rm -rf /", ["post", "list;", "rm", "-rf", "/"]),
        ("check `touch /tmp/pwned` $(id) | cat", ["check", "`touch", "/tmp/pwned`", "$(id)", "|", "cat"]),
        ("check --jsonl -", ["check", "--jsonl", "-"]),
        ("report cadence -f csv", ["report", "cadence", "-f", "csv"]),
        ("post new --account vk-x -- --as", ["post", "new", "--account", "vk-x", "--", "--as"]),
        ("user keys", ["user", "keys"]),
    ],
)
def test_a_command_is_read_as_words(original: str | None, args: list[str] | None) -> None:
    assert command_arguments(original) == args


@pytest.mark.parametrize(
    ("original", "refused"),
    [
        ("post approve 7 --as karlis", "--as is not accepted over SSH"),
        ("--as=karlis post approve 7", "--as is not accepted over SSH"),
        ("post list --config=/srv/other/config.toml", "--config is not accepted over SSH"),
        ("-c /srv/other/config.toml post list", "-c is not accepted over SSH"),
        ("-c/srv/other/config.toml post list", "-c is not accepted over SSH"),
        ("post list\nrm -rf /", "control character"),
        ("post list\x00", "control character"),
        ("post list\r", "control character"),
        ("post show '7", "no closing quotation"),
        ('post new "7', "no closing quotation"),
        ("post show 7 \\", "no escaped character"),
        ("db upgrade", "`smtool db` runs only on the server"),
        ("init --sandbox", "`smtool init` runs only on the server"),
        ("--version worker", "`smtool worker` runs only on the server"),
        ("ssh shell SHA256:x", "`smtool ssh` runs only on the server"),
        ("tui --sandbox", "--sandbox is not accepted over SSH: it would open another installation"),
        ("report cadence -o /srv/smtool/smtool.key", "-o names a file on the server"),
        ("report cadence --output=/srv/x", "--output names a file on the server"),
        ("check -f /srv/smtool/smtool.key", "-f names a file on the server"),
        ("check --jsonl /etc/shadow", "--jsonl names a file on the server"),
        (
            "post new --account vk-x --media /srv/smtool/smtool.key Teksts",
            "--media names a file on the server",
        ),
        ("post import /srv/smtool/config.toml", "`smtool post import` is not available over SSH"),
        ("archive verify /srv/a.zip", "`smtool archive verify` is not available over SSH"),
        ("audit checkpoint -o cp.json", "-o names a file on the server"),
    ],
)
def test_what_would_choose_another_person_installation_or_server_file_is_refused(
    original: str, refused: str
) -> None:
    with pytest.raises(UsageError) as error:
        command_arguments(original)
    assert refused in error.value.msg


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_commands(sub, (*path, name)))
    return found


def _takes_server_files(param: Any) -> bool:
    """A Path parameter, or --media, whose file names are text."""
    annotation = param.type_descriptor.annotation
    return annotation is Path or Path in get_args(annotation) or param.name == "media"


def test_every_server_path_parameter_of_the_cli_is_refused_over_ssh() -> None:
    # A new option or argument that takes a file must be refused over SSH; this walks the real
    # command tree so that none is forgotten.
    unrefused = []
    for path, command in _commands(get_command(app)):
        if path and path[0] in SERVICE_ONLY:
            continue
        for param in command.params:
            if not _takes_server_files(param):
                continue
            tries = [[*path, opt, "/srv/x"] for opt in param.opts] if param.opts[0].startswith("-") else []
            tries = tries or [[*path, "/srv/x"]]
            for args in tries:
                try:
                    check_arguments(args)
                except UsageError:
                    continue
                unrefused.append(" ".join(args))
    assert unrefused == []


def test_the_refusal_tables_name_real_commands_and_options() -> None:
    root = get_command(app)
    commands = dict(_commands(root))
    assert set(SERVICE_ONLY) <= set(root.commands)
    for path in SERVER_FILE_COMMANDS:
        assert path in commands, path
    for path, options in SERVER_FILE_OPTIONS.items():
        known = {
            opt for p, c in commands.items() if p[: len(path)] == path for q in c.params for opt in q.opts
        }
        assert options <= known, (path, options - known)


def test_the_environment_cannot_choose_the_person_or_installation() -> None:
    environ = {
        "SMTOOL_USER": "karlis",
        "SMTOOL_CONFIG": "/srv/other.toml",
        "SMTOOL_DATABASE_URL": "x",
        "HOME": "/",
    }
    clean_environment(environ)
    assert environ == {"SMTOOL_DATABASE_URL": "x", "HOME": "/"}


def test_a_key_proves_its_person_until_it_is_revoked_and_a_refused_login_is_audited(
    ctx: Context, tmp_path: Path
) -> None:
    fingerprint = add_key(ctx, "local:smtool", "karlis", public(keygen(tmp_path, "karlis"))).fingerprint
    identity = prove(ctx, fingerprint)
    assert (identity.user, identity.via) == ("karlis", f"ssh {fingerprint}")

    remove_key(ctx, "admin", fingerprint)
    with pytest.raises(PermissionDenied, match="does not prove anyone here now"):
        prove(ctx, fingerprint)
    with ctx.db.read() as session:
        (refused,) = session.exec(select(AuditEvent).where(AuditEvent.action == REFUSED)).all()
    assert refused.actor == f"ssh:{fingerprint}" and refused.subject_id == "ssh.login"
    assert json.loads(refused.payload)["fingerprint"] == fingerprint
