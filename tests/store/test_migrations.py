from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import smtool.store.tables  # noqa: F401
from smtool.errors import DatabaseError
from smtool.store.engine import Database
from smtool.store.fts import include_object
from smtool.store.migrate import check_current, current_revision, head_revision, upgrade


def test_migrations_produce_exactly_the_models_schema(db_url: str) -> None:
    db = Database(db_url)
    try:
        before, after = upgrade(db)
        assert before is None and after == head_revision()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == []
    finally:
        db.dispose()


def test_upgrade_is_idempotent(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db)
        assert upgrade(db) == (head_revision(), head_revision())
        check_current(db)
    finally:
        db.dispose()


def test_a_database_of_a_newer_schema_is_refused_and_left_alone(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db)
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(DatabaseError, match="newer than this smtool"):
            upgrade(db)
        with pytest.raises(DatabaseError, match="newer than this smtool"):
            check_current(db)
        assert current_revision(db) == "9999"
    finally:
        db.dispose()


def test_an_empty_database_is_reported_not_used(db_url: str) -> None:
    db = Database(db_url)
    try:
        with pytest.raises(DatabaseError, match="smtool init"):
            check_current(db)
    finally:
        db.dispose()
