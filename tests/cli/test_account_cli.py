"""`smtool account app | connect | set-token` against the sandbox, as an admin runs them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connectors.emulator import SandboxAccount, SandboxServer, new_sandbox_state
from tests.support.cli import Result, run_smtool, without_smtool_settings
from tests.support.sandbox import write_installation


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, SandboxServer]]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=9), port=0, seed=9).start()
    try:
        yield write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server), server
    finally:
        server.stop()


def _run(config: Path, *args: str, stdin: str = "") -> Result:
    result = run_smtool("--config", str(config), *args, cwd=config.parent, stdin=stdin)
    assert "Traceback" not in result.err, result.err
    return result


def _apps(config: Path, server: SandboxServer) -> None:
    for app in server.state.apps.values():
        made = _run(
            config,
            "account",
            "app",
            app["platform"],
            "--client-id",
            app["client_id"],
            stdin=app["client_secret"] + "\n",
        )
        assert made.code == 0, made.err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect(
    config: Path, account: str, paste: bool, *extra: str, command: str = "connect", **consent: str
) -> Result:
    """Run `account connect` (or `add`) as a person does: open the printed URL; the browser comes back
    to the loopback port, or the person pastes the address it ended on."""
    environment = without_smtool_settings()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smtool",
            "--config",
            str(config),
            "account",
            command,
            account,
            "--port",
            str(_free_port()),
            *extra,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=config.parent,
    )
    assert process.stdout is not None and process.stdin is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url + (process.stderr.read() if process.stderr else "")
    if paste:
        landed = requests.get(url, params=consent, allow_redirects=False, timeout=5).headers["location"]
        process.stdin.write(landed + "\n")
        process.stdin.flush()
    else:
        assert requests.get(url, params=consent, timeout=5).status_code == 200  # through the loopback
    out, err = process.communicate(timeout=60)
    assert "Traceback" not in err, err
    return Result(process.returncode, url + "\n" + out, err)


def test_connect_x_through_the_loopback_redirect(installed: tuple[Path, SandboxServer]) -> None:
    config, server = installed
    _apps(config, server)
    done = _connect(config, "sandbox-x", paste=False)
    assert done.code == 0, done.err
    assert "Connected sandbox-x as @SandboxIestade" in done.out and "refreshed automatically" in done.out
    assert "code_challenge_method=S256" in done.out
    listing = {a["id"]: a for a in json.loads(_run(config, "account", "list", "--json").out)}
    x = listing["sandbox-x"]
    assert x["verified_handle"] == "@SandboxIestade" and "offline.access" in x["scopes"]
    assert x["token_expires_at"] and x["next_action"] == "none (refreshed automatically)"
    assert listing["sandbox-fb"]["verified_handle"] is None
    table = _run(config, "account", "list")
    assert table.code == 0 and "Token health" in table.out and "automatically)" in table.out


def test_connect_facebook_by_pasting_the_redirect(installed: tuple[Path, SandboxServer]) -> None:
    config, server = installed
    _apps(config, server)
    done = _connect(config, "sandbox-fb", paste=True)
    assert done.code == 0, done.err
    assert f"(id {server.account('facebook').id}); token expires: never" in done.out


def test_connect_as_another_x_account_is_refused(installed: tuple[Path, SandboxServer]) -> None:
    config, server = installed
    server.state.accounts.append(SandboxAccount("x", "1444", "@CitaIestade", "Cita", "sbx-x-other"))
    _apps(config, server)
    refused = _connect(config, "sandbox-x", paste=True, sandbox_user="CitaIestade")
    assert refused.code == 1
    assert "speaks for @CitaIestade (id 1444), not for sandbox-x (@SandboxIestade" in refused.err


def test_a_pasted_address_that_is_not_utf8_is_refused_without_a_traceback(
    installed: tuple[Path, SandboxServer],
) -> None:
    # Read in a thread, a UnicodeDecodeError printed a traceback there (issue 20, failure 5).
    config, server = installed
    _apps(config, server)
    environment = without_smtool_settings()
    environment["LC_ALL"] = "C.UTF-8"
    environment["PYTHONIOENCODING"] = "utf-8:strict"
    command = ["--config", str(config), "account", "connect", "sandbox-x", "--port", str(_free_port())]
    process = subprocess.Popen(
        [sys.executable, "-m", "smtool", *command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        cwd=config.parent,
    )
    _, err = process.communicate(b"http://127.0.0.1/callback?code=\xff&state=\xfe\n", timeout=60)
    assert process.returncode in (1, 2), err
    assert b"Traceback" not in err and b"Internal error" not in err, err


def test_connect_without_an_app_says_how_to_set_one_up(installed: tuple[Path, SandboxServer]) -> None:
    config, _ = installed
    refused = _run(config, "account", "connect", "sandbox-x")
    assert refused.code == 2 and "smtool account app x --client-id" in refused.err


def test_set_token_asks_the_platform(installed: tuple[Path, SandboxServer]) -> None:
    config, server = installed
    made_up = _run(config, "account", "set-token", "sandbox-x", stdin="made-up-token\n")
    assert made_up.code == 1 and "X refused the token for sandbox-x" in made_up.err
    token = server.account("x").token
    real = _run(config, "account", "set-token", "sandbox-x", stdin=token + "\n")
    assert real.code == 0 and "speaks for @SandboxIestade" in real.out, real.err
    listing = json.loads(_run(config, "account", "list", "--json").out)
    assert {a["id"]: a["token"] for a in listing}["sandbox-x"] == "ok"
    for file in config.parent.glob("smtool.db*"):
        assert token.encode() not in file.read_bytes()  # encrypted at rest


def test_add_writes_config_applies_it_and_connects(installed: tuple[Path, SandboxServer]) -> None:
    config, server = installed
    server.state.accounts.append(SandboxAccount("x", "1444", "@CitaIestade", "Cita", "sbx-x-other"))
    _apps(config, server)
    added = _connect(
        config,
        "cita-x",
        True,
        "--platform",
        "x",
        "--handle",
        "@CitaIestade",
        "--spokesperson",
        "karlis",
        "--base-url",
        server.base_url,
        command="add",
        sandbox_user="CitaIestade",
    )
    assert added.code == 0, added.err
    assert "Connected cita-x as @CitaIestade (id 1444)" in added.out
    assert 'id = "cita-x"' in config.read_text(encoding="utf-8")
    agreed = _run(config, "config", "apply", "--dry-run")  # the file and the database agree
    assert agreed.code == 0 and "nothing to change" in agreed.out
    again = _run(config, "account", "add", "cita-x", "--platform", "x", "--handle", "@CitaIestade")
    assert again.code == 2 and "already an account 'cita-x'" in again.err
