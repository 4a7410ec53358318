from __future__ import annotations

from pathlib import Path

import pytest

from smtool.config import load_settings
from smtool.errors import ConfigError

GOOD = """
[institution]
name = "VK"

[[users]]
name = "karlis"
roles = ["approver"]

[[accounts]]
id = "vk-x"
platform = "x"
handle = "@VK"
spokespeople = ["karlis"]
"""


def _load(tmp_path: Path, body: str, env: dict[str, str] | None = None) -> object:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return load_settings(path, env=env or {})


def test_the_repository_config_is_valid() -> None:
    settings = load_settings(Path(__file__).parent.parent / "config.toml", env={})
    assert settings.institution.timezone == "Europe/Riga"
    assert {a.platform for a in settings.accounts} == {"x", "facebook"}


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    settings = _load(tmp_path, GOOD)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'smtool.db'}"  # type: ignore[attr-defined]


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    settings = _load(tmp_path, GOOD, {"SMTOOL_DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[institution\nname='x'", "TOML syntax error"),
        (GOOD + "\n[extra]\nx = 1\n", "unknown key extra"),
        (
            GOOD.replace('name = "VK"', 'name = "VK"\ncolour = "red"'),
            "unknown key institution.colour",
        ),
        (
            GOOD.replace('roles = ["approver"]', 'roles = ["king"]'),
            "users[0].roles[0] (karlis) = 'king'",
        ),
        (GOOD.replace('platform = "x"', 'platform = "myspace"'), "accounts[0].platform (vk-x)"),
        (GOOD.replace('roles = ["approver"]', 'roles = "approver"'), "users[0].roles"),
        (
            GOOD + '\n[[accounts]]\nid = "vk-x"\nplatform = "facebook"\nhandle = "x"\n',
            "duplicate accounts entry 'vk-x'",
        ),
        (
            GOOD.replace('spokespeople = ["karlis"]', 'spokespeople = ["janis"]'),
            "spokesperson 'janis' is not in [[users]]",
        ),
        ("[database]\nurl='sqlite:///x.db'\n", "missing key institution"),
        (
            GOOD.replace('name = "VK"', 'name = "VK"\ntimezone = "Europe/Atlantis"'),
            "unknown time zone",
        ),
        (GOOD + "\n[database]\nurl = 'mysql://x'\n", "database.url"),
    ],
)
def test_bad_files_name_the_file_and_key(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, body)
    assert expected in info.value.msg
    assert str(tmp_path / "config.toml") in info.value.msg
    assert info.value.exit_code == 2


def test_a_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="smtool init"):
        load_settings(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("publishing", "lease_seconds", "99999999999999999999", "less than or equal to 86400"),
        ("publishing", "window_hours", "inf", "finite number"),
        ("publishing", "tick_seconds", "inf", "finite number"),
        ("publishing", "retry_base_seconds", "nan", "finite number"),
        ("inbox", "poll_seconds", "-inf", "finite number"),
        ("metrics", "interval_minutes", "1e300", "less than or equal to"),
        ("retention", "posts_days", "99999999999", "less than or equal to"),
        ("reports", "gap_days", "1e308", "less than or equal to"),
    ],
)
def test_numeric_settings_have_ranges_and_are_finite(
    tmp_path: Path, section: str, key: str, value: str, expected: str
) -> None:
    # Accepted, these failed only later: a lease past the year 9999, a worker that never ticks.
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, f"[{section}]\n{key} = {value}\n{GOOD}")
    assert f"{section}.{key}" in str(error.value) and expected in str(error.value)
