"""People reach a shared installation through a real OpenSSH server, and their key decides who they are.

sshd runs on a loopback port with its own host key and lets the current OS account (the service
account here) log in only with a key smtool accepts: through AuthorizedKeysCommand where the smtool
command sits in folders only root can write (sshd's rule), else through the managed authorized_keys
file. The installation lives in a folder whose name has a space and both kinds of quote, so the
forced command's quoting is tried by sshd and the shell themselves.
"""

from __future__ import annotations

import getpass
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import col, select

from smtool.config import load_settings
from smtool.services.context import Context
from smtool.store.tables import AuditEvent, Post
from tests.support.cli import Result, run_smtool
from tests.support.databases import BASE_CONFIG
from tests.support.ssh import (
    SSHD,
    Sshd,
    keygen,
    keygen_fingerprint,
    public,
    safe_folder,
    sshd_quote,
    sshd_safe,
    start_sshd,
)
from tests.support.waiting import wait_until

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim."
# Users anna (communicator), karlis (approver, spokesperson of vk-x) and admin; keys decide who acts.
# sshd passes no SMTOOL_LANG: each person's own `lang` makes them read English, as the local runs do.
CONFIG = (
    re.sub(r"(\nroles = \[[^\]]*\]\n)", r'\1lang = "en"\n', BASE_CONFIG.format(url="sqlite:///smtool.db"))
    + '\n[access]\nmode = "shared"\n'
)
PROGRAM = Path(sys.executable).parent / "smtool"


@dataclass
class Installation:
    config: Path
    keys: dict[str, Path]
    sshd: Sshd

    def local(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        """A command run on the server without SSH, by the service account."""
        result = run_smtool("--config", str(self.config), *args, cwd=self.config.parent, stdin=stdin, env=env)
        assert "Traceback" not in result.err, result.err
        return result

    def ssh(self, person: str, command: str | None = None, stdin: str = "") -> Result:
        result = self.sshd.ssh(self.keys[person], command, stdin)
        assert "Traceback" not in result.err, result.err
        return result

    def events(self, action: str) -> list[AuditEvent]:
        with Context.open(load_settings(self.config)) as ctx, ctx.db.read() as session:
            return list(
                session.exec(
                    select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
                )
            )

    def post_state(self, post_id: str) -> str:
        with Context.open(load_settings(self.config)) as ctx, ctx.db.read() as session:
            post = session.get(Post, int(post_id))
            assert post is not None
            return post.state


def _keys_from_file(config: Path, folder: Path) -> list[str]:
    authorized_keys = folder / "authorized_keys"
    written = run_smtool(
        "--config", str(config), "ssh", "write-authorized-keys", str(authorized_keys), cwd=folder
    )
    assert written.code == 0, written.err
    return [f"AuthorizedKeysFile {authorized_keys}"]


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    assert SSHD.exists(), f"{SSHD} is missing: install openssh-server (.ci/run does)"
    folder = tmp_path_factory.mktemp('it\'s a "shared" place')
    config = folder / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    assert run_smtool("--config", str(config), "init", cwd=folder).code == 0
    keys = {name: keygen(folder, name) for name in ("anna", "karlis", "karlis-old", "admin", "stranger")}
    for name, key in keys.items():
        if name != "stranger":
            owner = name.removesuffix("-old")
            added = run_smtool(
                "--config",
                str(config),
                "user",
                "add-key",
                owner,
                cwd=folder,
                stdin=public(key),
            )
            assert added.code == 0, added.err
    sshd_folder = safe_folder()
    if sshd_safe(PROGRAM):
        command = " ".join(
            sshd_quote(w) for w in (str(PROGRAM), "--config", str(config), "ssh", "authorized-keys")
        )
        authorization = [
            "AuthorizedKeysFile none",
            f"AuthorizedKeysCommand {command} %t %k",
            f"AuthorizedKeysCommandUser {getpass.getuser()}",
        ]
    else:
        authorization = _keys_from_file(config, sshd_folder)
    server = start_sshd(sshd_folder, authorization)
    try:
        yield Installation(config, keys, server)
    finally:
        server.stop()
        shutil.rmtree(sshd_folder, ignore_errors=True)


def _submitted(installation: Installation, text: str) -> str:
    """A post anna drafted and submitted over SSH; its id."""
    created = installation.ssh("anna", f"post new --account vk-x '{text}'")
    assert created.code == 0, created.err
    post_id = created.out.strip()
    assert installation.ssh("anna", f"post submit {post_id}").code == 0
    return post_id


@pytest.fixture(scope="module")
def submitted(installation: Installation) -> str:
    """A submitted post, for karlis to approve."""
    return _submitted(installation, TEXT)


@pytest.fixture(scope="module")
def waiting(installation: Installation) -> str:
    """A submitted post that no test approves."""
    return _submitted(installation, f"{TEXT} Otrs.")


def test_an_unregistered_key_is_refused_by_sshd(installation: Installation) -> None:
    refused = installation.ssh("stranger", "post list")
    assert refused.code == 255 and "Permission denied (publickey)" in refused.err and refused.out == ""


def test_a_communicator_cannot_approve_over_ssh_and_an_approver_can(
    installation: Installation, submitted: str
) -> None:
    refused = installation.ssh("anna", f"post approve {submitted}")
    assert refused.code == 1 and "anna may not approve" in refused.err
    assert installation.post_state(submitted) == "submitted"

    approved = installation.ssh("karlis", f"post approve {submitted}")
    assert approved.code == 0, approved.err
    assert installation.post_state(submitted) == "approved"
    (event,) = installation.events("post.approve")
    assert event.actor == "karlis"
    assert json.loads(event.payload)["via"] == f"ssh {keygen_fingerprint(installation.keys['karlis'])}"
    (refusal,) = [
        e for e in installation.events("access.denied") if json.loads(e.payload)["tried"] == "post.approve"
    ]
    assert refusal.actor == "anna"
    assert json.loads(refusal.payload)["via"] == f"ssh {keygen_fingerprint(installation.keys['anna'])}"


@pytest.mark.parametrize(
    "override", ["--as karlis", "--as=karlis", "--config /etc/smtool/config.toml", "-c /tmp/x"]
)
def test_naming_someone_or_another_installation_over_ssh_is_refused(
    installation: Installation, waiting: str, override: str
) -> None:
    refused = installation.ssh("anna", f"post approve {waiting} {override}")
    assert refused.code == 2 and "is not accepted over SSH" in refused.err
    assert installation.post_state(waiting) == "submitted"


def test_json_over_ssh_is_byte_identical_to_local(installation: Installation, submitted: str) -> None:
    for command in (["post", "show", submitted, "--json"], ["post", "show", "999", "--json"]):
        remote = installation.ssh("karlis", " ".join(command))
        local = installation.local(*command)
        assert (remote.code, remote.out, remote.err) == (local.code, local.out, local.err)


def test_a_hostile_command_runs_nothing_but_smtool(installation: Installation, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for command in (
        f"post list; touch {marker}",
        f"post list && touch {marker}",
        f"post list\ntouch {marker}",
    ):
        result = installation.ssh("anna", command)
        assert result.code == 2 and not marker.exists(), (command, result)
    # Shell syntax inside a word is text, kept exactly.
    text = f"Teksts $(touch {marker}) `touch {marker}`; touch {marker}"
    created = installation.ssh("anna", f"post new --account vk-x '{text}'")
    assert created.code == 0 and not marker.exists(), created.err
    shown = installation.ssh("anna", f"post show {created.out.strip()} --json")
    assert json.loads(shown.out)["text"] == text


def test_a_revoked_key_stops_working_at_once(installation: Installation) -> None:
    assert installation.ssh("karlis-old", "user keys --json").code == 0
    fingerprint = keygen_fingerprint(installation.keys["karlis-old"])
    assert installation.local("user", "remove-key", fingerprint).code == 0
    refused = installation.ssh("karlis-old", "user keys --json")
    assert refused.code != 0 and refused.out == ""
    assert installation.ssh("karlis", "user keys --json").code == 0  # his other key still works


def test_an_admin_adds_a_key_over_ssh_and_a_communicator_may_not(installation: Installation) -> None:
    newcomer = keygen(installation.config.parent, "newcomer")
    refused = installation.ssh("anna", "user add-key karlis", stdin=public(newcomer))
    assert refused.code == 1 and "anna may not manage" in refused.err
    added = installation.ssh("admin", "user add-key karlis", stdin=public(newcomer))
    assert added.code == 0 and keygen_fingerprint(newcomer) in added.out
    (event,) = [e for e in installation.events("user.add_key") if e.actor == "admin"]
    assert json.loads(event.payload)["via"] == f"ssh {keygen_fingerprint(installation.keys['admin'])}"


def test_a_shared_installation_refuses_a_typed_name_locally(
    installation: Installation, submitted: str
) -> None:
    typed = installation.local("post", "reject", submitted, "--as", "karlis")
    assert typed.code == 2 and "--as and SMTOOL_USER are refused" in typed.err
    from_env = installation.local("post", "reject", submitted, env={"SMTOOL_USER": "karlis"})
    assert from_env.code == 2 and "--as and SMTOOL_USER are refused" in from_env.err
    nobody = installation.local("post", "reject", submitted)
    assert nobody.code == 2 and "this command acts for a person" in nobody.err

    # The operator's own maintenance runs locally, recorded as the operator and its OS account.
    admin_key = f"{installation.keys['admin']}.pub"
    assert installation.local("user", "add-key", "admin", "--file", admin_key).code == 2  # already hers
    spare = keygen(installation.config.parent, "admin-spare")
    assert installation.local("user", "add-key", "admin", stdin=public(spare)).code == 0
    event = installation.events("user.add_key")[-1]
    operator = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    assert event.actor == f"local:{operator}" and json.loads(event.payload)["via"] == f"local {operator}"


def test_the_file_of_keys_works_too_and_a_stale_line_of_a_revoked_key_lets_nobody_in(
    installation: Installation,
) -> None:
    folder = safe_folder()
    try:
        lost = keygen(installation.config.parent, "anna-lost")
        added = installation.local("user", "add-key", "anna", stdin=public(lost))
        assert added.code == 0, added.err
        server = start_sshd(folder, _keys_from_file(installation.config, folder))
        try:
            assert server.ssh(lost, "user keys --json").code == 0
            assert server.ssh(installation.keys["stranger"], "user keys").code == 255
            fingerprint = keygen_fingerprint(lost)
            assert installation.local("user", "remove-key", fingerprint).code == 0
            # The file still lists the key; the forced command looks it up and refuses. The key
            # proves no one, so no person's `lang` applies: the institution's first language does.
            stale = server.ssh(lost, "user keys --json")
            assert stale.code == 1 and stale.out == ""
            assert f"SSH atslēga {fingerprint} šeit vairs neapliecina nevienu personu" in stale.err, stale.err
            assert json.loads(installation.events("access.denied")[-1].payload)["fingerprint"] == fingerprint
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_tui_opens_over_ssh_t_as_the_person_the_key_proves(
    installation: Installation, tmp_path: Path
) -> None:
    socket = str(tmp_path / "tmux")
    command = installation.sshd.ssh_command(installation.keys["karlis"], tty=True)
    shell_line = shlex.join(command) + "; echo SESSION-ENDED $?; sleep 60"
    tmux = ["tmux", "-S", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "100", "-y", "30", shell_line], check=True)
    try:

        def screen() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=False
            ).stdout

        wait_until(
            lambda: "Approvals" in screen() and "karlis" in screen(), "the TUI shows karlis's approvals"
        )
        subprocess.run([*tmux, "send-keys", "C-q"], check=True)
        wait_until(lambda: "SESSION-ENDED 0" in screen(), "the TUI quits and the connection ends")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def test_without_a_terminal_the_tui_says_how_to_connect(installation: Installation) -> None:
    result = installation.ssh("karlis")
    assert result.code == 2 and "ssh -t" in result.err
