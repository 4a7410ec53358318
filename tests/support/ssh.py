"""A real OpenSSH server and client: keys made by ssh-keygen, sshd on a free loopback port.

The server lets the current OS account (root in CI, standing for the installation's service account)
log in only with keys smtool accepts, either through AuthorizedKeysCommand or a managed
authorized_keys file. sshd insists that such a command, and an authorized_keys file under
StrictModes, sit in folders that only root (or the account) can write, all the way up.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.cli import Result
from tests.support.waiting import wait_until

SSHD = Path("/usr/sbin/sshd")
PRIVILEGE_SEPARATION = Path("/run/sshd")


def keygen(folder: Path, name: str, key_type: str = "ed25519", bits: int | None = None) -> Path:
    """A key pair without passphrase, made once per folder and name; returns the private key's path
    (the .pub file is beside it)."""
    key = folder / name
    if key.exists():
        return key
    size = ["-b", str(bits)] if bits else []
    subprocess.run(
        ["ssh-keygen", "-q", "-t", key_type, *size, "-N", "", "-C", f"{name}@test", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key


def public(key: Path) -> str:
    return key.with_name(key.name + ".pub").read_text(encoding="utf-8")


def keygen_fingerprint(key: Path) -> str:
    """The SHA256 fingerprint `ssh-keygen -lf` prints for the key's .pub file."""
    out = subprocess.run(
        ["ssh-keygen", "-lf", str(key.with_name(key.name + ".pub"))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[1]


def sshd_safe(path: Path) -> bool:
    """Whether sshd accepts `path` for AuthorizedKeysCommand or StrictModes: it and every folder
    above it owned by root (or us) and writable by no group or other."""
    for part in [path, *path.parents]:
        info = part.stat()
        if info.st_uid not in (0, os.getuid()) or info.st_mode & 0o022:
            return False
    return True


def safe_folder() -> Path:
    """A new folder (0700) whose every parent sshd trusts: in the home folder, else in /run."""
    for parent in (Path.home(), Path("/run")):
        if parent.is_dir() and sshd_safe(parent):
            return Path(tempfile.mkdtemp(prefix=".smtool-sshd-", dir=parent))
    raise AssertionError("no folder that sshd trusts for an authorized_keys file (home or /run)")


def sshd_quote(word: str) -> str:
    """A word for an sshd_config command line: sshd splits it like argv_split and expands %."""
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'").replace("%", "%%")
    return escaped.replace(" ", "\\ ")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sshd:
    """A running sshd and how to reach it."""

    port: int
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def log(self) -> str:
        return (self.folder / "sshd.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def ssh_command(self, key: Path, *, tty: bool = False) -> list[str]:
        """The ssh client's command line up to the command: this server, this key alone, no agent."""
        return [
            "ssh",
            "-F",
            "/dev/null",
            "-o",
            f"UserKnownHostsFile={self.folder / 'known_hosts'}",
            "-o",
            "StrictHostKeyChecking=accept-new",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            "-i",
            str(key),
            "-p",
            str(self.port),
            *(["-tt"] if tty else ["-T"]),
            f"{getpass.getuser()}@127.0.0.1",
        ]

    def ssh(self, key: Path, command: str | None = None, stdin: str = "") -> Result:
        """Connect with `key` and run `command` (one string, as the ssh client sends it)."""
        proc = subprocess.run(
            [*self.ssh_command(key), *([command] if command is not None else [])],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


def start_sshd(folder: Path, authorization: Sequence[str]) -> Sshd:
    """Start `sshd -D -e` with a new host key in `folder`; `authorization` are the sshd_config lines
    that say where the keys come from (AuthorizedKeysCommand or AuthorizedKeysFile)."""
    PRIVILEGE_SEPARATION.mkdir(mode=0o755, exist_ok=True)
    host_key = folder / "host_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True, capture_output=True
    )
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {folder / 'sshd.pid'}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "PubkeyAuthentication yes",
                # The service account may log in only with a key's forced command.
                "PermitRootLogin forced-commands-only",
                "StrictModes yes",
                "LogLevel VERBOSE",
                *authorization,
                "",
            ]
        ),
        encoding="utf-8",
    )
    checked = subprocess.run(
        [str(SSHD), "-t", "-f", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, f"sshd refused its configuration: {checked.stderr}"
    log = (folder / "sshd.log").open("wb")
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    log.close()
    server = Sshd(port, folder, process)
    wait_until(lambda: "Server listening" in server.log or process.poll() is not None, "sshd listening")
    if process.poll() is not None:
        raise AssertionError(f"sshd did not start:\n{server.log}")
    return server
