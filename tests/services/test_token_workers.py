"""Several worker processes on one connected X account whose two-hour tokens rotate: exactly one
refresh reaches X each time, no chain is lost, nothing is published twice, and a worker killed in
the middle of a refresh ends as needs_reauth saying so, never as a retry loop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from smtool.services.context import Context
from smtool.services.installation.tokens import LEASE
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.store.tables import Account, Publication
from smtool.store.types import utcnow
from tests.services.test_connect import account, connect_x, refreshes
from tests.support.cli import without_smtool_settings
from tests.support.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
RIGA = ZoneInfo("Europe/Riga")
TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim. #{n}"


class Worker:
    """One `tests.support.token_worker` process."""

    def __init__(self, config: Path, name: str) -> None:
        environment = without_smtool_settings()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.token_worker", str(config), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=ROOT,
        )
        assert self.read() == {"ready": name}

    def send(self, offset: float, do: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"offset": offset, "do": do}) + "\n")
        self.process.stdin.flush()

    def read(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the worker process ended"
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def workers(sandbox: Sandbox, sctx: Context) -> Iterator[list[Worker]]:
    connect_x(sandbox, sctx)
    started = [Worker(sandbox.config, f"w{n}") for n in range(4)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def all_at_once(workers: list[Worker], offset: float, do: str) -> list[Any]:
    for worker in workers:
        worker.send(offset, do)
    return [worker.read() for worker in workers]


def schedule(sctx: Context, count: int, first_due_in: timedelta, every: timedelta) -> None:
    """`count` approved posts on the X account, the first due after `first_due_in`, then `every`."""
    # Whole minutes in the institution's zone, as a person schedules (the window follows the time).
    first = (utcnow() + first_due_in).astimezone(RIGA).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for n in range(count):
        at = (first + n * every).strftime("%Y-%m-%d %H:%M")
        post_id = create_post(sctx, "anna", Draft(text=TEXT.format(n=n), accounts=("sandbox-x",), at=at))
        submit_post(sctx, "anna", post_id)
        approve_posts(sctx, "karlis", [post_id])


def published_texts(sandbox: Sandbox) -> list[str]:
    return sorted(p["text"] for p in sandbox.published("x"))


def test_four_workers_whose_token_expires_at_once_refresh_it_once(
    sandbox: Sandbox, sctx: Context, workers: list[Worker]
) -> None:
    assert all_at_once(workers, 0, "token") == [{"handle": "@SandboxIestade"}] * 4
    schedule(sctx, 8, timedelta(hours=2), timedelta(0))
    sandbox.control("POST", "clock", {"advance_seconds": 7200})  # every cached token has expired
    results = all_at_once(workers, 7200 + 120, "publish")
    assert sum(r.get("published", 0) for r in results) == 8, results
    assert refreshes(sandbox) == ["ok"]  # exactly one refresh reached X
    assert all_at_once(workers, 7200 + 121, "token") == [{"handle": "@SandboxIestade"}] * 4
    assert published_texts(sandbox) == sorted(TEXT.format(n=n) for n in range(8))  # each once
    assert account(sctx, "sandbox-x").token_status == "ok"


def test_a_worker_killed_mid_refresh_ends_as_needs_reauth_saying_so(
    sandbox: Sandbox, sctx: Context, workers: list[Worker]
) -> None:
    sandbox.server.sandbox.add_fault("x", "POST /2/oauth2/token", "timeout_after_store", stall_seconds=30)
    sandbox.control("POST", "clock", {"advance_seconds": 7200})
    victim = workers[0]
    victim.send(7200, "token")
    deadline = time.monotonic() + 10
    while refreshes(sandbox) != ["ok"]:  # X has rotated the token; its answer is stalled
        assert time.monotonic() < deadline
        time.sleep(0.02)
    victim.process.send_signal(signal.SIGKILL)
    victim.stop()
    later = 7200 + LEASE.total_seconds() + 1
    # The others refuse to guess: the old refresh token is tried once, X ends the grant.
    assert all_at_once(workers[1:], later, "token") == [{"error": "AuthExpired: Unauthorized"}] * 3
    row = account(sctx, "sandbox-x")
    assert row.token_status == "needs_reauth" and row.token_problem is not None
    assert "interrupted before its answer was saved" in row.token_problem
    assert "smtool account connect sandbox-x" in row.token_problem
    all_at_once(workers[1:], later + 60, "token")
    assert refreshes(sandbox) == ["ok", "reused"]  # tried once, then never again


def test_a_simulated_week_of_hourly_posts_with_two_hour_tokens(
    sandbox: Sandbox, sctx: Context, workers: list[Worker]
) -> None:
    hours = 7 * 24
    schedule(sctx, hours, timedelta(minutes=1), timedelta(hours=1))
    for hour in range(hours):
        offset = hour * 3600 + 180
        if hour:
            sandbox.control("POST", "clock", {"advance_seconds": 3600})
        results = all_at_once(workers, offset, "publish")
        assert not [r for r in results if "error" in r], results
        assert sum(r.get("published", 0) for r in results) == 1, (hour, results)
    assert published_texts(sandbox) == sorted(TEXT.format(n=n) for n in range(hours))
    with sctx.db.read() as session:
        states = session.exec(select(Publication.state)).all()
        assert set(states) == {"published"}
        assert session.get(Account, "sandbox-x").token_status == "ok"  # type: ignore[union-attr]
    outcomes = refreshes(sandbox)
    assert set(outcomes) == {"ok"} and len(outcomes) >= hours // 2 - 1
