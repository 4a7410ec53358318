"""Workers as real processes: SIGKILL at random moments, four at once, and the database out of
reach (PostgreSQL behind a proxy that drops, SQLite locked past its busy timeout), on both databases.

What is asserted is what reached the sandbox platform: every approved post exactly once.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.store.tables import Publication
from tests.support.cli import without_smtool_settings
from tests.support.proxy import TcpProxy
from tests.support.sandbox import write_installation
from tests.support.waiting import wait_until

POSTS = 300
TEXT = "Valsts kanceleja informē par pakalpojumu izmaiņām, numurs {n}."


@pytest.fixture
def installation(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, SandboxServer]]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    # Room for every post in one rate window: this test is about crashes, not rate limits.
    server = SandboxServer(
        new_sandbox_state(seed=5), port=0, rate_limits={"x POST /2/tweets": (100_000, 900)}
    ).start()
    try:
        config = write_installation(tmp_path, db_url, server)
        with Context.open(load_settings(config)) as ctx:
            ids = []
            for n in range(POSTS):
                post_id = create_post(ctx, "anna", Draft(text=TEXT.format(n=n), accounts=["sandbox-x"]))
                submit_post(ctx, "anna", post_id)
                ids.append(post_id)
            approve_posts(ctx, "karlis", ids)
        yield config, server
    finally:
        server.stop()


def _worker(config: Path, *args: str) -> subprocess.Popen[bytes]:
    env = without_smtool_settings()
    return subprocess.Popen(
        [sys.executable, "-m", "smtool", "--config", str(config), "worker", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _published_texts(server: SandboxServer) -> Counter[str]:
    answer = requests.get(f"{server.base_url}/_sandbox/published?platform=x", timeout=10).json()
    return Counter(p["text"] for p in answer)


def _finish(config: Path) -> None:
    """After the crashes: let lapsed leases be swept and unknowns reconciled, as an operator would."""
    with Context.open(load_settings(config)) as ctx:
        lease = ctx.settings.publishing.lease_seconds
    time.sleep(lease + 0.5)
    for _ in range(3):
        proc = _worker(config, "--once")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()


def _states(config: Path) -> Counter[str]:
    with Context.open(load_settings(config)) as ctx, ctx.db.read() as session:
        return Counter(session.exec(select(Publication.state).where(col(Publication.id) > 0)).all())


@pytest.mark.slow
def test_sigkill_at_random_moments_never_duplicates_or_drops(
    installation: tuple[Path, SandboxServer],
) -> None:
    config, server = installation
    rng = random.Random(11)
    kills_mid_work = 0
    for _ in range(6):
        before = sum(_published_texts(server).values())
        if before >= POSTS:
            break
        proc = _worker(config)
        # Kill while it is publishing: once the platform has seen new posts, at a random moment.
        deadline = time.monotonic() + 60
        while sum(_published_texts(server).values()) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        kills_mid_work += sum(_published_texts(server).values()) < POSTS
    assert kills_mid_work >= 2, "the kills should land while posts are going out"
    _finish(config)
    published = _published_texts(server)
    assert set(published) == {TEXT.format(n=n) for n in range(POSTS)}
    assert max(published.values()) == 1, [t for t, c in published.items() if c > 1]
    assert _states(config) == Counter({"published": POSTS})


@pytest.mark.slow
def test_four_workers_at_once_publish_each_post_once(installation: tuple[Path, SandboxServer]) -> None:
    config, server = installation
    workers = [_worker(config, "--once") for _ in range(4)]
    for proc in workers:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    published = _published_texts(server)
    assert len(published) == POSTS
    assert max(published.values()) == 1
    assert _states(config) == Counter({"published": POSTS})


OUTAGE_LOG = "database out of reach or locked"


@contextmanager
def _sqlite_locked(db_url: str) -> Iterator[None]:
    """An exclusive lock on the SQLite database for as long as the block runs: no worker writes."""
    path = make_url(db_url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _ride_out(config: Path, server: SandboxServer, outage: Callable[[], None]) -> str:
    """Start a worker, run `outage` once its first pass is sending, and check that the worker is
    still there afterwards and gets every post out exactly once; returns the worker's log."""
    proc = _worker(config)
    try:
        wait_until(lambda: sum(_published_texts(server).values()) > 0, "the first pass sends")
        outage()
        assert proc.poll() is None, proc.communicate(timeout=10)[1].decode()
        # Posts in flight when the database went are `sending`; the sweeper makes them `unknown`
        # after their lease and reconciliation finds them on the platform.
        wait_until(lambda: _states(config) == Counter({"published": POSTS}), "every post published", 120)
        assert proc.poll() is None
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    published = _published_texts(server)
    assert set(published) == {TEXT.format(n=n) for n in range(POSTS)}
    assert max(published.values()) == 1, [t for t, c in published.items() if c > 1]
    return err.decode()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the proxy stands before PostgreSQL
def test_worker_rides_out_postgresql_dropping_during_its_first_pass(
    installation: tuple[Path, SandboxServer], db_url: str
) -> None:
    config, server = installation
    direct = make_url(db_url)
    with TcpProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
        proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        config.write_text(config.read_text(encoding="utf-8").replace(db_url, proxied), encoding="utf-8")

        def outage() -> None:
            proxy.drop()
            wait_until(lambda: proxy.refused >= 2, "the worker tries to reconnect")
            proxy.restore()

        log = _ride_out(config, server, outage)
    assert log.count(OUTAGE_LOG) == 1, log
    assert "database reachable again" in log
    assert "Traceback" not in log and "Internal error" not in log, log


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own lock
def test_worker_rides_out_an_sqlite_lock_longer_than_the_busy_timeout(
    installation: tuple[Path, SandboxServer], db_url: str
) -> None:
    config, server = installation

    def outage() -> None:
        with _sqlite_locked(db_url):
            time.sleep(8)  # longer than the 5 s busy timeout every worker transaction waits

    log = _ride_out(config, server, outage)
    assert log.count(OUTAGE_LOG) == 1, log
    assert "database is locked" in log
    assert "Traceback" not in log and "Internal error" not in log, log


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own lock
def test_worker_once_cut_short_by_a_locked_database_says_so_and_exits_1(
    installation: tuple[Path, SandboxServer], db_url: str
) -> None:
    config, server = installation
    proc = _worker(config, "--once")
    try:
        wait_until(lambda: sum(_published_texts(server).values()) > 0, "the pass sends")
        with _sqlite_locked(db_url):
            _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    message = err.decode()
    assert proc.returncode == 1, message
    assert "The database is out of reach or locked (database is locked)" in message, message
    assert "Internal error" not in message and "[SQL" not in message
    published = _published_texts(server)
    assert 0 < sum(published.values()) < POSTS and max(published.values()) == 1


class _LogTail:
    """A running worker's log, read line by line as it is written (a test waits for a line)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        self._stream = proc.stderr
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line.decode("utf-8", "replace"))

    def text(self) -> str:
        return "".join(self.lines)

    def rest(self) -> str:
        self._reader.join(timeout=30)
        return self.text()


STARTUP_OUTAGE_LOG = "database out of reach or locked at start"


def _started_during(
    config: Path, server: SandboxServer, outage: Callable[[], Iterator[None]], said: str = STARTUP_OUTAGE_LOG
) -> str:
    """Start a worker while `outage` holds, end the outage once the worker has `said` it waits, and
    check that it then publishes every post exactly once; returns the worker's log."""
    holding = contextmanager(outage)()
    holding.__enter__()
    proc = _worker(config)
    log = _LogTail(proc)
    try:
        try:
            wait_until(lambda: said in log.text(), "the worker says it waits", 120)
            assert proc.poll() is None, log.text()
        finally:
            holding.__exit__(None, None, None)
        wait_until(lambda: _states(config) == Counter({"published": POSTS}), "every post published", 120)
        assert proc.poll() is None, log.text()
    finally:
        proc.kill()
        proc.wait(timeout=30)
    published = _published_texts(server)
    assert set(published) == {TEXT.format(n=n) for n in range(POSTS)}
    assert max(published.values()) == 1
    return log.rest()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own lock
def test_worker_started_while_sqlite_is_locked_waits_and_then_publishes_everything(
    installation: tuple[Path, SandboxServer], db_url: str
) -> None:
    """It used to exit at once with exit 2 ("database is locked"), leaving nothing running. Now the
    start only reads (WAL readers pass a writer's lock), and the jobs wait out the lock as always."""
    config, server = installation

    def locked() -> Iterator[None]:
        with _sqlite_locked(db_url):
            yield

    log = _started_during(config, server, locked, said=OUTAGE_LOG)
    assert log.count(OUTAGE_LOG) == 1, log
    assert "database is locked" in log, log
    assert "Traceback" not in log and "Internal error" not in log, log


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the proxy stands before PostgreSQL
def test_worker_started_while_postgresql_is_unreachable_waits_and_then_publishes_everything(
    installation: tuple[Path, SandboxServer], db_url: str
) -> None:
    config, server = installation
    direct = make_url(db_url)
    with TcpProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
        proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        config.write_text(config.read_text(encoding="utf-8").replace(db_url, proxied), encoding="utf-8")

        def down() -> Iterator[None]:
            proxy.drop()
            yield
            wait_until(lambda: proxy.refused >= 2, "the worker tries again")
            proxy.restore()

        log = _started_during(config, server, down)
    assert log.count(STARTUP_OUTAGE_LOG) == 1, log
    assert "database reachable after" in log
    assert "Traceback" not in log and "Internal error" not in log, log


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_worker_started_with_a_database_that_is_not_there_says_so_and_exits_2(
    tmp_path: Path, db_url: str
) -> None:
    """A configuration error is no outage: waiting would not mend it, so the worker does not wait."""
    server = SandboxServer(new_sandbox_state(seed=5), port=0).start()
    try:
        config = write_installation(tmp_path, db_url, server)
    finally:
        server.stop()
    if db_url.startswith("sqlite"):
        missing = db_url.replace("smtool.db", "elsewhere.db")
        expected = "elsewhere.db"
    else:
        missing = (
            make_url(db_url).set(database="smtool_no_such_database").render_as_string(hide_password=False)
        )
        expected = 'database "smtool_no_such_database" does not exist'
    config.write_text(config.read_text(encoding="utf-8").replace(db_url, missing), encoding="utf-8")
    proc = _worker(config)
    _, err = proc.communicate(timeout=120)
    message = err.decode()
    assert proc.returncode == 2, message
    assert expected in message, message
    assert STARTUP_OUTAGE_LOG not in message and "Traceback" not in message, message
