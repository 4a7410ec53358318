"""A worker started while the database is out of reach waits for it (worker.open_when_reachable);
a configuration error is raised at once. The real processes: tests/services/test_worker_processes.py."""

from __future__ import annotations

import logging

import pytest

from smtool import worker
from smtool.errors import DatabaseError, DatabaseUnreachable
from smtool.services.context import Context
from smtool.store.engine import passing_fault


def test_waits_doubling_up_to_the_cap_says_so_once_and_returns_the_context(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    failures = 7
    slept: list[float] = []

    def opening() -> Context:
        if len(slept) < failures:
            raise DatabaseUnreachable("cannot open the database", "database is locked")
        return ctx

    with caplog.at_level(logging.WARNING, logger="smtool.worker"):
        assert worker.open_when_reachable(opening, sleep=slept.append) is ctx
    assert slept == [1, 2, 4, 8, 16, 30, 30]
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2, said
    assert said[0].startswith("database out of reach or locked at start (database is locked)")
    assert said[1].startswith("database reachable after")


def test_a_configuration_error_is_raised_at_once() -> None:
    slept: list[float] = []

    def opening() -> Context:
        raise DatabaseError('cannot open the database: FATAL: database "nope" does not exist')

    with pytest.raises(DatabaseError, match="does not exist"):
        worker.open_when_reachable(opening, sleep=slept.append)
    assert slept == []


@pytest.mark.parametrize(
    ("said", "passing"),
    [
        ('connection to server at "127.0.0.1", port 5499 failed: Connection refused', True),
        (
            'connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or '
            "directory\n\tIs the server running locally and accepting connections on that socket?",
            True,
        ),
        ("FATAL:  the database system is starting up", True),
        ("server closed the connection unexpectedly", True),
        ("database is locked", True),
        ('FATAL:  database "nope" does not exist', False),
        ('FATAL:  password authentication failed for user "smtool"', False),
        ('FATAL:  role "nobody" does not exist', False),
        ("failed to resolve host 'nohost.invalid': [Errno -2] Name or service not known", False),
        ("unable to open database file", False),
    ],
)
def test_which_connection_errors_pass(said: str, passing: bool) -> None:
    assert passing_fault(said) is passing
