"""Shared fixtures: real databases (SQLite always, PostgreSQL when SMTOOL_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smtool.config import Settings, settings_from_dict
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.store.engine import Database

PG_ENV = "SMTOOL_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url and os.environ.get("CI"):
        # In CI the PostgreSQL tests must run, never silently skip.
        pytest.fail(f"{PG_ENV} is not set in CI; .ci/run must export it")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = postgres_base_url()
    if not base:
        pytest.skip(f"{PG_ENV} not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'smtool.db'}"
    return str(request.getfixturevalue("postgres_url"))


BASE_CONFIG = """\
[institution]
name = "Testa iestāde"
timezone = "Europe/Riga"

[database]
url = "{url}"

[[users]]
name = "anna"
roles = ["communicator"]

[[users]]
name = "karlis"
roles = ["approver"]

[[users]]
name = "admin"
roles = ["admin"]

[[accounts]]
id = "vk-x"
platform = "x"
handle = "@VK"
spokespeople = ["karlis"]

[[accounts]]
id = "vk-fb"
platform = "facebook"
handle = "VK"
spokespeople = ["karlis"]
"""


@pytest.fixture
def config_file(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE_CONFIG.format(url=db_url), encoding="utf-8")
    return path


@pytest.fixture
def ctx(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """An initialised installation (config, key, migrated database) on each database."""
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    initialise(config_file, actor="test")
    from smtool.config import load_settings

    with Context.open(load_settings(config_file)) as context:
        yield context


def settings_for(url: str, **extra: object) -> Settings:
    data: dict[str, object] = {"institution": {"name": "T"}, "database": {"url": url}}
    data.update(extra)
    return settings_from_dict(data)


__all__ = ["Database", "settings_for"]
