"""The identity commands driven as a person and as sshd drive them: real processes, no sshd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Result, run_smtool
from tests.support.databases import BASE_CONFIG
from tests.support.ssh import keygen, keygen_fingerprint, public


class Folder:
    """An installation in a folder (SQLite), driven with `smtool --config`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.config = path / "config.toml"

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        result = run_smtool("--config", str(self.config), *args, cwd=self.path, stdin=stdin, env=env)
        assert "Traceback" not in result.err, result.err
        return result


@pytest.fixture
def smtool(tmp_path: Path) -> Folder:
    folder = Folder(tmp_path)
    folder.config.write_text(BASE_CONFIG.format(url=f"sqlite:///{tmp_path / 'smtool.db'}"), encoding="utf-8")
    assert folder("init").code == 0
    return folder


def test_help_says_that_as_works_only_in_a_personal_installation(smtool: Folder) -> None:
    assert "only in a personal or training installation" in " ".join(smtool("--help").out.split())
    assert "only in a personal installation" in " ".join(smtool("post", "approve", "--help").out.split())


def test_keys_are_added_listed_and_revoked(smtool: Folder, tmp_path: Path) -> None:
    anna, karlis = keygen(tmp_path, "anna"), keygen(tmp_path, "karlis")
    added = smtool("user", "add-key", "anna", stdin=public(anna))
    assert added.code == 0 and keygen_fingerprint(anna) in added.out
    assert smtool("user", "add-key", "karlis", "--file", str(karlis) + ".pub").code == 0

    listed = json.loads(smtool("user", "keys", "--json").out)
    assert [(k["user"], k["fingerprint"], k["revoked_at"]) for k in listed] == [
        ("anna", keygen_fingerprint(anna), None),
        ("karlis", keygen_fingerprint(karlis), None),
    ]
    # A person names themselves in a personal installation and sees their own keys only.
    own = json.loads(smtool("user", "keys", "--json", "--as", "karlis").out)
    assert [k["user"] for k in own] == ["karlis"]

    revoked = smtool("user", "remove-key", keygen_fingerprint(anna))
    assert revoked.code == 0 and "no longer logs in" in revoked.out
    (row,) = json.loads(smtool("user", "keys", "anna", "--json").out)
    assert row["revoked_by"].startswith("local:") and row["revoked_at"]
    assert keygen_fingerprint(anna) in smtool("user", "keys").out  # the fingerprint whole, never cut


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (("user", "add-key", "anna"), "ssh-rsa AAAA", 2, "not a valid ssh-rsa key"),
        (("user", "add-key", "anna", "--file", "/nonexistent.pub"), "", 2, "cannot read /nonexistent.pub"),
        (("user", "add-key", "nobody"), "@key", 2, "not an OpenSSH public key"),
        (("user", "remove-key", "SHA256:nothing"), "", 1, "no key SHA256:nothing"),
        (("user", "keys", "karlis", "--as", "anna"), "", 1, "anna may not list karlis's keys"),
        (("ssh", "shell", "SHA256:nothing"), "", 1, "does not prove anyone here now"),
    ],
)
def test_refusals_are_one_line_with_the_exit_code(
    smtool: Folder, args: tuple[str, ...], stdin: str, code: int, message: str
) -> None:
    result = smtool(*args, stdin=stdin)
    assert (result.code, result.out) == (code, "") and message in result.err


def test_sshd_is_given_the_line_of_a_registered_key_only(smtool: Folder, tmp_path: Path) -> None:
    anna = keygen(tmp_path, "anna")
    key_type, blob = public(anna).split()[:2]
    assert smtool("ssh", "authorized-keys", key_type, blob).out == ""
    smtool("user", "add-key", "anna", stdin=public(anna))
    line = smtool("ssh", "authorized-keys", key_type, blob)
    assert line.code == 0 and line.out.startswith("restrict,pty,command=")
    assert line.out.endswith(f'ssh shell {keygen_fingerprint(anna)}" {key_type} {blob} smtool:anna\n')
    assert f"--config {smtool.config.resolve()}" in line.out

    written = smtool("ssh", "write-authorized-keys", str(tmp_path / "authorized_keys"))
    assert written.code == 0 and "Wrote 1 key into" in written.out  # not "1 keys"
    assert line.out in (tmp_path / "authorized_keys").read_text(encoding="utf-8")


def test_the_forced_command_runs_as_the_key_proves_whatever_the_environment_says(
    smtool: Folder, tmp_path: Path
) -> None:
    anna = keygen(tmp_path, "anna")
    smtool("user", "add-key", "anna", stdin=public(anna))
    smtool("user", "add-key", "karlis", stdin=public(keygen(tmp_path, "karlis")))
    fingerprint = keygen_fingerprint(anna)

    def forced(command: str) -> Result:
        env = {"SSH_ORIGINAL_COMMAND": command, "SMTOOL_USER": "karlis", "SMTOOL_CONFIG": "/srv/other.toml"}
        return smtool("ssh", "shell", fingerprint, env=env)

    mine = forced("user keys --json")
    assert mine.code == 0 and [k["user"] for k in json.loads(mine.out)] == ["anna"]
    missing, local = forced("post show 999 --json"), smtool("post", "show", "999", "--json")
    assert (missing.code, missing.out, missing.err) == (local.code, local.out, local.err) != (0, "", "")
    refused = forced("post list --as karlis")
    assert refused.code == 2 and "--as is not accepted over SSH" in refused.err
