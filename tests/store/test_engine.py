from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from smtool.errors import DatabaseError
from smtool.store.engine import Database, describe_url
from smtool.store.migrate import upgrade
from smtool.store.tables import AuditEvent


def test_sqlite_pragmas_follow_the_design(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") >= 5000
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
    db.dispose()


def test_times_come_back_as_aware_utc(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    riga = timezone(timedelta(hours=2))
    moment = datetime(2026, 3, 29, 3, 30, tzinfo=riga)
    with db.write() as session:
        session.add(
            AuditEvent(
                at=moment,
                actor="a",
                action="x",
                subject_type="t",
                subject_id="1",
                payload="{}",
                prev_hash="0",
                hash="h",
            )
        )
    with db.read() as session:
        stored = session.exec(select(AuditEvent)).one().at
    assert stored == moment and stored.tzinfo == UTC
    db.dispose()


def test_an_unreachable_database_gets_one_clear_message(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    with pytest.raises(DatabaseError, match="cannot open the database"):
        db.check_reachable()
    pg = Database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(DatabaseError) as info:
        pg.check_reachable()
    assert "secret" not in info.value.msg and "***" in info.value.msg


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(DatabaseError, match="unsupported database"):
        Database("mysql://root@localhost/x")
    # Not a URL: shown as written (so the user sees what to fix), secrets masked all the same.
    assert describe_url("::not a url::") == "::not a url::"
    assert describe_url("postgresql+psycopg://u:pw@h:x/d?a=1&Password=pw") == (
        "postgresql+psycopg://u:***@h:x/d?a=1&Password=***"
    )


def test_describe_url_keeps_what_is_not_secret() -> None:
    shown = describe_url("postgresql+psycopg://u:pw@h:5433/db?sslmode=require&password=pw&options=-c%20x")
    assert shown == "postgresql+psycopg://u:***@h:5433/db?options=-c%20x&password=***&sslmode=require"
