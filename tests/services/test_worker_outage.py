"""How the worker's jobs meet a database out of reach: reported once, backed off per job, over when a
job that failed succeeds (the processes themselves: test_worker_processes)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from smtool.worker import OUTAGE_MAX_WAIT_SECONDS, DatabaseOutage

LOCKED = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_logged_once_backed_off_and_ended_by_a_job_that_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    outage = DatabaseOutage(clock)
    runs: list[str] = []
    down = True

    def publish() -> None:
        runs.append("publish")
        if down:
            raise LOCKED

    def directory() -> None:  # reads only: it goes on under an SQLite lock
        runs.append("directory")

    with caplog.at_level("WARNING", logger="smtool.worker"):
        for _ in range(50):
            outage.run("publish", publish)
            outage.run("directory", directory)
            clock.now += 0.5
        assert outage.out  # a job that never failed does not end it
        tries = runs.count("publish")
        assert 3 <= tries < 10  # 1 s doubling, not once per tick
        down = False
        clock.now += OUTAGE_MAX_WAIT_SECONDS
        outage.run("publish", publish)
    assert not outage.out
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2, logged
    assert logged[0].startswith("database out of reach or locked (database is locked, in publish)")
    assert logged[1].startswith("database reachable again after")


def test_a_statement_that_is_wrong_is_not_an_outage() -> None:
    def broken() -> None:
        raise IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    with pytest.raises(IntegrityError):
        DatabaseOutage().run("publish", broken)
