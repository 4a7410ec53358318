"""The lines sshd reads: every key forced to `ssh shell` with its fingerprint, quoted so that no path
breaks out of the line or the shell command, and a managed block that keeps the file's other lines."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.identity.authorized import (
    BEGIN,
    END,
    authorized_line,
    forced_command,
    key_line,
    write_authorized_keys,
)
from smtool.services.identity.keys import KeyView, add_key, remove_key
from tests.support.ssh import keygen, public

# A program that prints the words it was given, as JSON: what sshd's shell made of the line.
ECHO_ARGS = [sys.executable, "-c", "import json, sys; print(json.dumps(sys.argv[1:]))"]
FINGERPRINT = "SHA256:aCerQf7n7OtSux292hsRfa/F+/RlImdUcKMI920Vbck"
HOSTILE_PATHS = [
    "/srv/smtool/config.toml",
    '/srv/it\'s a "shared" place/config.toml',
    "/srv/$HOME `id` $(id) ; rm -rf / #/config.toml",
    '/srv/back\\slash\\"/config.toml',
    "/srv/ends with a backslash\\",
    "/srv/dzīve ☃/config.toml",
]


def _key(user: str, key_type: str, blob: str) -> KeyView:
    return KeyView(user, key_type, blob, FINGERPRINT, None, "admin", datetime.now(UTC), None, None)


def _sshd_dequote(line: str) -> str:
    """The command= value as sshd's auth-options.c reads it: only a backslash before a double quote
    is an escape, and the value ends at the first unescaped double quote."""
    start = line.index('command="') + len('command="')
    value, index = [], start
    while line[index] != '"':
        if line[index] == "\\" and line[index + 1] == '"':
            index += 1
        value.append(line[index])
        index += 1
    return "".join(value)


@pytest.mark.parametrize("config", HOSTILE_PATHS)
def test_the_forced_command_reaches_smtool_word_for_word(config: str) -> None:
    line = key_line(ECHO_ARGS, Path(config), _key("anna", "ssh-ed25519", "AAAA"))
    assert "\n" not in line and line.startswith('restrict,pty,command="')
    assert line.endswith('" ssh-ed25519 AAAA smtool:anna')
    # sshd hands the value to the account's shell as `sh -c VALUE`.
    ran = subprocess.run(["/bin/sh", "-c", _sshd_dequote(line)], capture_output=True, text=True, check=True)
    assert json.loads(ran.stdout) == ["--config", config, "ssh", "shell", FINGERPRINT]


@pytest.mark.parametrize(
    ("program", "config", "message"),
    [
        (["smtool"], "/srv/config.toml", "not an absolute path"),
        (["/usr/bin/smtool"], "config.toml", "not an absolute path"),
        (["/usr/bin/smtool"], "/srv/new\nline/config.toml", "control character"),
        (["/usr/bin/smtool"], "/srv/carriage\rreturn/config.toml", "control character"),
        (["/usr/bin/smtool"], "/srv/nul\x00/config.toml", "control character"),
    ],
)
def test_what_cannot_be_quoted_safely_is_refused(program: list[str], config: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        forced_command(program, Path(config), FINGERPRINT)


def test_sshd_gets_the_line_of_an_active_key_only(ctx: Context, tmp_path: Path) -> None:
    key = keygen(tmp_path, "anna")
    key_type, blob = public(key).split()[:2]
    config = tmp_path / "config.toml"
    assert authorized_line(ctx, ["/usr/bin/smtool"], config, key_type, blob) is None
    fingerprint = add_key(ctx, "local:smtool", "anna", public(key)).fingerprint

    line = authorized_line(ctx, ["/usr/bin/smtool"], config, key_type, blob)
    assert line == (
        f'restrict,pty,command="/usr/bin/smtool --config {config} ssh shell {fingerprint}" '
        f"{key_type} {blob} smtool:anna"
    )
    assert authorized_line(ctx, ["/usr/bin/smtool"], config, "ssh-rsa", blob) is None
    assert authorized_line(ctx, ["/usr/bin/smtool"], config, key_type, "not base64!") is None
    remove_key(ctx, "admin", fingerprint)
    assert authorized_line(ctx, ["/usr/bin/smtool"], config, key_type, blob) is None


def test_the_managed_block_is_rewritten_and_the_rest_of_the_file_kept(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "authorized_keys"
    own = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorsOwnKeyKeptAsItIs operator@laptop\r"
    path.write_bytes(f"# the operator's own key\n{own}\n".encode())
    anna = add_key(ctx, "local:smtool", "anna", public(keygen(tmp_path, "anna"))).fingerprint
    karlis = add_key(ctx, "local:smtool", "karlis", public(keygen(tmp_path, "karlis"))).fingerprint

    assert write_authorized_keys(ctx, path, ["/usr/bin/smtool"], tmp_path / "config.toml") == 2
    lines = path.read_bytes().decode().split("\n")
    assert lines[:3] == ["# the operator's own key", own, BEGIN]
    assert [anna in lines[3], karlis in lines[4], lines[5:]] == [True, True, [END, ""]]
    assert path.stat().st_mode & 0o777 == 0o600

    remove_key(ctx, "admin", anna)
    path.write_bytes(path.read_bytes() + b'command="after" ssh-ed25519 AAAA after-the-block\n')
    assert write_authorized_keys(ctx, path, ["/usr/bin/smtool"], tmp_path / "config.toml") == 1
    text = path.read_bytes().decode()
    assert anna not in text and karlis in text and text.count(BEGIN) == 1
    assert text.startswith(f"# the operator's own key\n{own}\n") and text.endswith("after-the-block\n")


@pytest.mark.parametrize("damage", [f"{BEGIN}\n", f"{END}\n{BEGIN}\n", f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n"])
def test_damaged_markers_are_refused_and_the_file_left_alone(
    ctx: Context, tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "authorized_keys"
    path.write_text(damage, encoding="utf-8")
    with pytest.raises(UsageError, match="marker lines are damaged"):
        write_authorized_keys(ctx, path, ["/usr/bin/smtool"], tmp_path / "config.toml")
    assert path.read_text(encoding="utf-8") == damage
