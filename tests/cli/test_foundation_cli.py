"""The foundation commands driven as a person would: a real process in an empty folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.main import get_command

from smtool.cli.main import app
from smtool.config import load_settings
from tests.support.cli import Result, without_smtool_settings


def _walk(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, (*path, name)))
    return found


def test_every_command_has_help_text() -> None:
    missing = [
        " ".join(path) or "smtool"
        for path, command in _walk(get_command(app))
        if not (getattr(command, "help", None) or "").strip()
    ]
    assert missing == []


def test_every_option_has_help_text() -> None:
    missing = []
    for path, command in _walk(get_command(app)):
        for param in getattr(command, "params", []):
            if param.param_type_name == "option" and not (getattr(param, "help", "") or "").strip():
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []


def test_init_then_verify_then_tamper(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result: Result = smtool("init", "--institution", "VK")
    assert result.code == 0, result.err
    assert (tmp_path / "config.toml").exists()
    assert (tmp_path / "smtool.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "smtool.db").exists()

    ok = smtool("audit", "verify")
    assert ok.code == 0 and ok.out.startswith("OK")

    with sqlite3.connect(tmp_path / "smtool.db") as connection:
        connection.execute("UPDATE audit_events SET payload='{}' WHERE id=1")
    broken = smtool("audit", "verify")
    assert broken.code == 1
    assert "BROKEN at audit row 1" in broken.err


def test_init_writes_the_institution_named_exactly(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name = 'Biedrība "Zaļā\\josla"'
    assert smtool("init", "--institution", f"  {name} ").code == 0
    assert load_settings(tmp_path / "config.toml").institution.name == name
    assert smtool("init", "--institution", name).code == 0  # the same name again: nothing to say
    other = smtool("init", "--institution", "Cita iestāde")
    assert other.code == 2 and "edit [institution] name" in other.err


def test_init_off_a_terminal_without_a_name_writes_nothing(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = smtool("init")
    assert result.code == 2 and "--institution" in result.err
    assert smtool("init", "--institution", "  ").code == 2
    assert list(tmp_path.iterdir()) == []


def test_init_in_a_terminal_asks_for_the_institution(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    main, secondary = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "smtool", "init"],
            cwd=tmp_path,
            stdin=secondary,
            stdout=secondary,
            stderr=subprocess.PIPE,
            env=without_smtool_settings(),
        )
        os.write(main, "Rīgas valstspilsētas pašvaldība\n".encode())
        _, err = proc.communicate(timeout=60)
        shown = os.read(main, 65536).decode(errors="replace")
    finally:
        os.close(secondary)
        os.close(main)
    assert proc.returncode == 0, err
    assert "Institution name" in shown
    assert load_settings(tmp_path / "config.toml").institution.name == "Rīgas valstspilsētas pašvaldība"


def test_version(smtool) -> None:  # type: ignore[no-untyped-def]
    result = smtool("--version")
    assert result.code == 0 and result.out.startswith("smtool ")


def test_set_token_names_an_unknown_account(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Storing a token asks the platform first: tests/cli/test_account_cli.py does that on the sandbox.
    (tmp_path / "config.toml").write_text(
        '[institution]\nname = "VK"\n[[accounts]]\nid = "vk-x"\nplatform = "x"\nhandle = "@VK"\n',
        encoding="utf-8",
    )
    assert smtool("init").code == 0
    token = "AAAA-plain-token-that-must-not-leak-0123456789"
    missing = smtool("account", "set-token", "nope", stdin=token + "\n")
    assert missing.code == 1 and "no account 'nope'" in missing.err


# Every way libpq and SQLAlchemy take a password in a URL; "hunter2" must never be printed.
_SECRET_URLS = [
    "postgresql+psycopg://u:hunter2@h/db",
    "postgresql+psycopg://u@h/db?password=hunter2",
    "postgresql+psycopg://u@h/db?sslmode=disable&PASSWORD=hunter2",
    "postgresql+psycopg://u@h/db?pass%77ord=hunter2",
    "postgresql+psycopg://u@h/db?password=x&password=hunter2",
    "postgresql+psycopg://u@h/db?sslpassword=hunter2",
    "postgresql+psycopg://u@h/db?dsn=password%3Dhunter2",
]


@pytest.mark.parametrize("url", _SECRET_URLS)
def test_config_show_masks_the_database_password(smtool, tmp_path: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.toml").write_text('[institution]\nname = "VK"\n', encoding="utf-8")
    for args in (("config", "show"), ("config", "show", "--json")):
        result = smtool(*args, env={"SMTOOL_DATABASE_URL": url})
        assert result.code == 0, result.err
        assert "hunter2" not in result.out and "***" in result.out


@pytest.mark.parametrize(
    "url",
    [
        # Unreachable: the connection error names the database.
        "postgresql+psycopg://u@127.0.0.1:1/db?password=hunter2",
        # A misspelt key that libpq refuses: still a secret, and one clear message.
        "postgresql+psycopg://u@127.0.0.1:1/db?passwrd=hunter2",
        # Not a URL SQLAlchemy reads (the port is not a number): shown, masked, as what to fix.
        "postgresql+psycopg://u:hunter2@h:port/db",
        "postgresql+psycopg://u@h:port/db?password=hunter2",
    ],
)
def test_database_errors_mask_the_password(smtool, tmp_path: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.toml").write_text('[institution]\nname = "VK"\n', encoding="utf-8")
    result = smtool("audit", "verify", env={"SMTOOL_DATABASE_URL": url})
    assert result.code == 2, result.err
    assert "hunter2" not in result.out + result.err and "***" in result.err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[institution\n", "TOML syntax error"),
        ('[institution]\nname = "VK"\nfoo = 1\n', "unknown key institution.foo"),
        ("[institution]\nname = 5\n", "institution.name"),
        (
            '[institution]\nname = "VK"\n[[users]]\nname = "a"\nroles = ["boss"]\n',
            "'boss' is not allowed",
        ),
        (
            '[institution]\nname = "VK"\n[[accounts]]\nid = "a"\nplatform = "tiktok"\nhandle = "x"\n',
            "accounts[0].platform",
        ),
        (
            '[institution]\nname = "VK"\n'
            '[[accounts]]\nid = "a"\nplatform = "x"\nhandle = "x"\n'
            '[[accounts]]\nid = "a"\nplatform = "x"\nhandle = "y"\n',
            "duplicate accounts entry 'a'",
        ),
        (
            '[institution]\nname = "VK"\n[database]\nurl = "postgresql+psycopg://postgres@127.0.0.1:1/x"\n',
            "cannot open the database",
        ),
    ],
)
def test_bad_configuration_exits_2_and_writes_nothing(
    smtool, tmp_path: Path, body: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.toml").write_text(body, encoding="utf-8")
    result = smtool("init")
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) <= 2  # one clear message, not a dump
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


NO_INSTALLATION = "no installation here: run `smtool init` or pass --config"
# Read-only and writing commands alike: none may create a database where there is no installation.
COMMANDS_NEEDING_AN_INSTALLATION = [
    ("account", "list"),
    ("user", "list"),
    ("audit", "verify"),
    ("post", "list"),
    ("report", "engagement"),
    ("worker", "--once"),
    ("db", "upgrade"),
]


@pytest.mark.parametrize("command", COMMANDS_NEEDING_AN_INSTALLATION)
def test_no_config_file_says_there_is_no_installation(
    smtool, tmp_path: Path, command: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    result = smtool(*command)
    assert result.code == 2 and NO_INSTALLATION in result.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["sqlite:///smtool.db", "sqlite:///missing/folder/smtool.db"])
@pytest.mark.parametrize("command", COMMANDS_NEEDING_AN_INSTALLATION)
def test_a_config_without_a_database_creates_nothing(  # type: ignore[no-untyped-def]
    smtool, tmp_path: Path, command: tuple[str, ...], url: str
) -> None:
    (tmp_path / "config.toml").write_text(
        f'[institution]\nname = "VK"\n[database]\nurl = "{url}"\n', encoding="utf-8"
    )
    result = smtool(*command)
    assert result.code == 2 and NO_INSTALLATION in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["config.toml"]


def test_a_newer_schema_is_refused(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert smtool("init", "--institution", "VK").code == 0
    with sqlite3.connect(tmp_path / "smtool.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num='9999'")
        before = connection.execute("SELECT count(*) FROM audit_events").fetchone()
    for command in (("db", "upgrade"), ("account", "list"), ("init",)):
        result = smtool(*command)
        assert result.code == 2, command
        assert "newer than this smtool" in result.err
    with sqlite3.connect(tmp_path / "smtool.db") as connection:
        assert connection.execute("SELECT count(*) FROM audit_events").fetchone() == before


def test_user_list(smtool) -> None:  # type: ignore[no-untyped-def]
    assert smtool("init", "--institution", "VK").code == 0
    result = smtool("user", "list", "--json")
    assert result.code == 0 and result.out.strip() == "[]"


def test_demo_runs_the_whole_flow_on_the_sandbox(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    worker_lines = []
    for _ in range(2):  # a second run reuses the installation and the sandbox state
        result = smtool("--config", "demo/config.toml", "demo", "--port", port)
        assert result.code == 0, result.err
        assert "voice.first-person" in result.out
        assert "chain intact" in result.out
        assert "{'" not in result.out  # no Python dict: sentences
        worker_lines.append([line for line in result.out.splitlines() if "the worker" in line])
    # The same words on every run (the dict's keys came and went between runs).
    assert (
        worker_lines[0]
        == worker_lines[1]
        == [
            "> the worker publishes what is due",
            "  the worker published 2 publications; took 0 new inbox items",
        ]
    )
    assert (tmp_path / "demo" / "sandbox.json").stat().st_mode & 0o777 == 0o600
    # A training installation's figures grow while people train: a fast simulated audience,
    # measured every half minute, and the demo says what the report shows.
    from connectors.emulator import load_state

    assert load_state(tmp_path / "demo" / "sandbox.json").audience_speed == 600
    assert load_settings(tmp_path / "demo" / "config.toml").metrics.interval_minutes == 0.5
    assert "impressions" in result.out and "Engagement since" in result.out


def _unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_second_training_session_joins_the_running_sandbox(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from connectors.emulator import SandboxServer, load_state

    port = _unused_port()
    assert smtool("--config", "demo/config.toml", "demo", "--port", str(port)).code == 0
    state = tmp_path / "demo" / "sandbox.json"
    # The first `make run` serves the sandbox; a second one, in another terminal, joins it.
    with SandboxServer(load_state(state), port=port, state_path=state) as first:
        second = smtool("--config", "demo/config.toml", "demo")
        assert second.code == 0, second.err
        assert "Joined the training session already running" in second.err
        assert len(first.sandbox.published("x")) == 2  # the first run's post and the second's


def test_a_port_taken_by_another_program(smtool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import socket

    port = _unused_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        # A new training installation takes another port ...
        fresh = smtool("--config", "demo/config.toml", "demo", "--port", str(port))
        assert fresh.code == 0, fresh.err
        assert f"Port {port} is in use" in fresh.out
        assert f":{port}" not in (tmp_path / "demo" / "config.toml").read_text(encoding="utf-8")
        chosen = int(load_settings(tmp_path / "demo" / "config.toml").accounts[0].base_url.rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", chosen))
        squatter.listen()
        # ... an existing one says what to do, and never to delete the installation.
        taken = smtool("--config", "demo/config.toml", "demo")
    assert taken.code == 2 and "Stop the program that uses the port" in taken.err
    assert "remove" not in taken.err


def test_sandbox_serve_with_an_init_sandbox_config_serves_its_accounts(tmp_path: Path) -> None:
    import json
    import socket
    import subprocess
    import sys

    from smtool.config import load_settings
    from smtool.services.context import Context
    from smtool.services.installation.accounts import get_token
    from tests.support.cli import run_smtool

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run_smtool("init", "--sandbox", "--port", str(port), cwd=tmp_path).code == 0
    env = without_smtool_settings()
    server = subprocess.Popen(
        [sys.executable, "-m", "smtool", "sandbox", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        announced = json.loads(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert announced["base_url"] == f"http://127.0.0.1:{port}"
    settings = load_settings(tmp_path / "config.toml", env={})
    with Context.open(settings) as ctx:
        stored = {a.remote_id: get_token(ctx, a.id) for a in settings.accounts}
    assert stored == {a["id"]: a["token"] for a in announced["accounts"]}
