"""Shared fixtures: real databases (SQLite always, PostgreSQL when SMTOOL_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from smtool.i18n import activate
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from tests.support.databases import BASE_CONFIG, PG_ENV, postgres_base_url


@pytest.fixture(autouse=True)
def english_interface(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The suite's expectations are English, and its installations' first language is Latvian: every
    test speaks English unless it says otherwise (SMTOOL_LANG, which subprocesses inherit too). A
    command run in-process sets the process's language, so each test ends back in English."""
    monkeypatch.setenv("SMTOOL_LANG", "en")
    yield
    activate("en")


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
