"""Publishing throughput: 10,000 posts due at the same instant across 100 sandbox accounts.

    .venv/bin/python benchmarks/bench_publishing.py [--posts 10000] [--accounts 100] [--workers 1 4]
                                                    [--postgres URL]

For SQLite (and PostgreSQL when --postgres or SMTOOL_TEST_DATABASE_URL is given) and each worker
count, prints publishes per second (from the workers' start to the last publication recorded; the
whole processes' rate, with their ingest and metrics passes, below it) beside the goal (500/s) and
beside the ceilings measured in the same run: the raw sqlite3 claim/commit sequence
(synchronous=FULL, in batches as the worker does) and the real clients' round trips against the
sandbox; p50/p99 lag behind the due time and duplicates on the platform (must be 0). Then four
workers against one on PostgreSQL (goal 1.5x), database round trips per publish (PostgreSQL, in
process), and the CPU time of `worker --once` with nothing due (goal < 0.5 s). The approvals and
outbox rows are bulk-written first (what is measured is the worker); the workers are real `smtool
worker --once` processes publishing through the real clients, and the sandbox runs in a process of
its own (on a 2-core machine it would otherwise share the worker's core). Asserts no times.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import AccountRef, OutgoingPost
from connectors.emulator import DEFAULT_LIMITS, SandboxServer
from connectors.emulator.state import SandboxAccount, SandboxState
from connectors.facebook import FacebookConnector
from connectors.x import XConnector
from smtool.config import Publishing, load_settings
from smtool.services.context import Context
from smtool.services.installation.setup import SandboxAccountSpec, initialise, sandbox_config
from smtool.services.publishing.outbox import Publisher
from smtool.services.publishing.seals import seal
from smtool.services.records.signing import load_signing_key
from smtool.store.statistics import after_bulk_write
from smtool.store.tables import Approval, Post, PostTarget, Publication
from smtool.store.types import utcnow


def sandbox_accounts(count: int) -> list[SandboxAccount]:
    accounts = []
    for i in range(count):
        if i % 2 == 0:
            accounts.append(
                SandboxAccount(
                    "x",
                    str(1_400_000_000_000_000_000 + i),
                    f"@Iestade{i}",
                    f"Iestāde {i}",
                    "sbx-x-" + secrets.token_urlsafe(24),
                )
            )
        else:
            accounts.append(
                SandboxAccount(
                    "facebook",
                    str(100_000_000_000_000 + i),
                    f"iestade.{i}",
                    f"Iestāde {i}",
                    "EAAsbx" + secrets.token_urlsafe(24),
                )
            )
    return accounts


def install(folder: Path, db_url: str, server: SandboxServer) -> Path:
    specs = [
        SandboxAccountSpec(id=f"acc{i}", platform=a.platform, handle=a.handle, remote_id=a.id, token=a.token)
        for i, a in enumerate(server.state.accounts)
    ]
    config = folder / "config.toml"
    config.write_text(
        f'[institution]\nname = "Bench"\n\n[database]\nurl = "{db_url}"\n\n[publishing]\ntick_seconds = 0.5\n'
        + sandbox_config(server.base_url, specs),
        encoding="utf-8",
    )
    initialise(config, actor="bench", sandbox_accounts=specs)
    return config


def seed_outbox(config: Path, posts: int, accounts: int, first: int = 0) -> None:
    """`posts` approved posts, one target each, spread over the accounts, all due now; their texts
    are numbered from `first` (a platform refuses the same text twice)."""
    now = utcnow()
    with Context.open(load_settings(config)) as ctx, ctx.db.write() as session:
        key = load_signing_key(ctx.settings)
        for n in range(first, first + posts):
            account = f"acc{n % accounts}"
            body = f"Valsts iestāde informē: paziņojums Nr. {n} par pakalpojumu izmaiņām."
            post = Post(author="anna", text=body, state="approved", content_hash="bench", scheduled_at=now)
            session.add(post)
            session.flush()
            assert post.id is not None
            session.add(PostTarget(post_id=post.id, account_id=account))
            approval = Approval(post_id=post.id, approver="karlis", decision="approved", content_hash="bench")
            session.add(approval)
            session.flush()
            assert approval.id is not None
            publication = Publication(
                post_id=post.id,
                approval_id=approval.id,
                account_id=account,
                text=body,
                due_at=now,
                not_after=now + timedelta(hours=24),
            )
            session.add(publication)
            session.flush()
            seal(session, publication, key)  # as an approval does; the worker holds unsealed rows
    with Context.open(load_settings(config)) as ctx:
        after_bulk_write(ctx.db, "publications", posts)  # as a bulk approval does


def run_workers(config: Path, workers: int) -> float:
    """Seconds for `workers` processes of `smtool worker --once` to drain the outbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_")}
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "smtool", "--config", str(config), "worker", "--once"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"worker failed: {err.decode()[-2000:]}")
    return time.perf_counter() - start


def drained(config: Path, since: datetime) -> float:
    """Seconds from `since` (the workers' start) to the last publication recorded as published: the
    burst itself, without the ingest and metrics passes that `worker --once` runs after it."""
    with Context.open(load_settings(config)) as ctx, ctx.db.read() as session:
        last = session.exec(
            select(func.max(Publication.updated_at)).where(Publication.state == "published")
        ).one()
    return (last - since).total_seconds() if last is not None else float("nan")


def lags(config: Path) -> list[float]:
    """Seconds from each publication's due time to the moment its platform call started."""
    with Context.open(load_settings(config)) as ctx, ctx.db.read() as session:
        rows = session.exec(
            select(Publication.due_at, Publication.sent_at).where(Publication.state == "published")
        ).all()
    return [(sent - due).total_seconds() for due, sent in rows if sent is not None]


def duplicates(server: SandboxServer) -> int:
    total = 0
    for platform in ("x", "facebook"):
        answer = requests.get(f"{server.base_url}/_sandbox/published?platform={platform}", timeout=60).json()
        total += sum(c - 1 for c in Counter((p["account"], p["text"]) for p in answer).values())
    return total


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def postgres_schema(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        False
    ), schema


def drop_schema(base: str, schema: str) -> None:
    engine = create_engine(base)
    with engine.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


GOAL = 500.0  # publishes per second, one worker (issue 21)
SCALING_GOAL = 1.5  # four workers on PostgreSQL against one
IDLE_GOAL = 0.5  # CPU seconds of `worker --once` with nothing due
UNLIMITED = {key: (10**9, window) for key, (_, window) in DEFAULT_LIMITS.items()}


class SandboxProcess:
    """The sandbox served by a forked process of its own: bound here, so its address and accounts
    are known at once, and served there, so it does not share the worker's core."""

    def __init__(self, accounts: list[SandboxAccount]) -> None:
        self.server = SandboxServer(SandboxState(accounts=accounts, seed=1), port=0, rate_limits=UNLIMITED)
        self._process = multiprocessing.get_context("fork").Process(
            target=self.server.serve_forever, daemon=True
        )

    def __enter__(self) -> SandboxServer:
        self._process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.server.base_url}/_sandbox/accounts", timeout=5).raise_for_status()
                return self.server
            except requests.RequestException:
                time.sleep(0.05)
        raise SystemExit("the sandbox process did not answer")

    def __exit__(self, *_: object) -> None:
        if self._process.pid is not None:
            os.kill(self._process.pid, signal.SIGTERM)
        self._process.join(timeout=10)
        self.server.stop()  # releases this process's copy of the socket


def raw_sqlite(folder: Path, rows: int, batch: int) -> float:
    """Publishes/s of the worker's claim/commit sequence in raw sqlite3 with synchronous=FULL: per
    batch, a claim committed as sending with its audit rows, then the outcomes with theirs."""
    db = sqlite3.connect(folder / f"raw-{batch}.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE pub (id INTEGER PRIMARY KEY, state TEXT NOT NULL, due_at TEXT NOT NULL, "
        "claimed_by TEXT, attempt INT NOT NULL DEFAULT 0, remote_id TEXT, version INT NOT NULL DEFAULT 1)"
    )
    db.execute("CREATE INDEX ix_pub ON pub (state, due_at, id)")
    db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, action TEXT, subject TEXT, prev TEXT, hash TEXT)")
    db.executemany("INSERT INTO pub (state, due_at) VALUES ('scheduled', '2026-01-01')", [()] * rows)
    claim = (
        "UPDATE pub SET state = 'sending', claimed_by = 'w', attempt = attempt + 1, version = version + 1 "
        "WHERE state = 'scheduled' AND id IN (SELECT id FROM pub WHERE state = 'scheduled' AND "
        "due_at <= '2027' ORDER BY due_at, id LIMIT ?) RETURNING id"
    )
    head = "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"
    log = "INSERT INTO audit (action, subject, prev, hash) VALUES (?, ?, 'prev', 'hash')"
    done = 0
    start = time.perf_counter()
    while True:
        db.execute("BEGIN IMMEDIATE")
        ids = [row[0] for row in db.execute(claim, (batch,))]
        if not ids:
            db.execute("COMMIT")
            break
        db.execute(head).fetchone()
        db.executemany(log, [("sending", i) for i in ids])
        db.execute("COMMIT")
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "UPDATE pub SET state = 'published', remote_id = ?, version = version + 1 "
            "WHERE id = ? AND state = 'sending'",
            [(str(i), i) for i in ids],
        )
        db.execute(head).fetchone()
        db.executemany(log, [("published", i) for i in ids])
        db.execute("COMMIT")
        done += len(ids)
    elapsed = time.perf_counter() - start
    db.close()
    return done / elapsed


def client_round_trips(server: SandboxServer, calls: int) -> float:
    """Publishes/s of tweepy and facebook-sdk against the sandbox, one call after another."""
    xa = next(a for a in server.state.accounts if a.platform == "x")
    fa = next(a for a in server.state.accounts if a.platform == "facebook")
    x = XConnector(AccountRef("x", "x", xa.handle, xa.id), xa.token, server.base_url)
    fb = FacebookConnector(AccountRef("f", "facebook", fa.handle, fa.id), fa.token, server.base_url)
    start = time.perf_counter()
    for i in range(calls):
        (x if i % 2 == 0 else fb).publish(OutgoingPost(f"Griesti {i}"))
    return calls / (time.perf_counter() - start)


def round_trips(config: Path, posts: int, accounts: int, first: int) -> float:
    """Database round trips per publish of one in-process worker: statements (an executemany is one
    pipelined trip on psycopg), transaction begins and commits, and pool checkouts (a ping each)."""
    seed_outbox(config, posts, accounts, first)
    trips = Counter[str]()
    with Context.open(load_settings(config)) as ctx:
        engine = ctx.db.engine
        for name in ("before_cursor_execute", "begin", "commit", "rollback"):
            event.listen(engine, name, lambda *_, name=name, **__: trips.update([name]))
        event.listen(engine.pool, "checkout", lambda *_: trips.update(["checkout"]))
        publisher = Publisher(ctx)
        published = publisher.publish_due()["published"]
        publisher.close()
    return trips.total() / max(published, 1)


def idle_cpu(config: Path) -> float:
    """CPU seconds (user + system) of one `smtool worker --once` with nothing due."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "smtool", "--config", str(config), "worker", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--postgres", default=os.environ.get("SMTOOL_TEST_DATABASE_URL"))
    args = parser.parse_args()
    os.environ.pop("SMTOOL_SECRET_KEY", None)
    databases = ["sqlite"] + (["postgresql"] if args.postgres else [])
    batch = Publishing().batch_size  # what the worker claims at once by default
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        raw_batched = raw_sqlite(Path(tmp), min(args.posts, 5000), batch)
        raw_single = raw_sqlite(Path(tmp), min(args.posts, 1000), 1)
    with SandboxProcess(sandbox_accounts(2)) as server:
        clients = client_round_trips(server, 600)
    print("Ceilings measured now:")
    print(f"  raw sqlite3 claim/commit, synchronous=FULL, batches of {batch:<4} {raw_batched:8.0f} /s")
    print(f"  raw sqlite3 claim/commit, synchronous=FULL, one row each      {raw_single:8.0f} /s")
    print(f"  tweepy + facebook-sdk publish round trips, one at a time       {clients:8.0f} /s")
    print(f"\n{args.posts} posts due at once across {args.accounts} sandbox accounts (half X, half Facebook)")
    columns = (
        "publishes/s",
        "x goal 500",
        "x raw sqlite",
        "x clients",
        "p50 lag s",
        "p99 lag s",
        "duplicates",
    )
    print(f"{'database':<11} {'workers':>7} " + " ".join(f"{c:>12}" for c in columns))
    rates: dict[tuple[str, int], float] = {}
    idle: list[float] = []
    trips = None
    for database in databases:
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                schema = None
                if database == "sqlite":
                    url = f"sqlite:///{folder / 'bench.db'}"
                else:
                    url, schema = postgres_schema(args.postgres)
                try:
                    with SandboxProcess(sandbox_accounts(args.accounts)) as server:
                        config = install(folder, url, server)
                        if database == "sqlite" and not idle:
                            idle = [idle_cpu(config), idle_cpu(config)]
                        seed_outbox(config, args.posts, args.accounts)
                        started = utcnow()
                        elapsed = run_workers(config, workers)
                        burst = drained(config, started)
                        lag = lags(config)
                        dups = duplicates(server)
                        rate = len(lag) / burst
                        rates[(database, workers)] = rate
                        raw = f"{rate / raw_batched:>12.2f}" if database == "sqlite" else f"{'':>12}"
                        print(
                            f"{database:<11} {workers:>7} {rate:>12.0f} {rate / GOAL:>12.2f} {raw} "
                            f"{rate / clients:>12.2f} {pct(lag, 50):>12.1f} {pct(lag, 99):>12.1f} {dups:>12}"
                        )
                        print(f"{'':<19} whole `worker --once` processes: {len(lag) / elapsed:.0f}/s")
                        if len(lag) != args.posts:
                            print(f"  only {len(lag)} of {args.posts} published")
                        if database == "postgresql" and workers == 1:
                            trips = round_trips(config, 1000, args.accounts, args.posts)
                finally:
                    if schema:
                        drop_schema(args.postgres, schema)
    one, four = rates.get(("postgresql", 1)), rates.get(("postgresql", 4))
    if one and four:
        print(f"\nPostgreSQL, four workers against one: {four / one:.2f}x (goal >= {SCALING_GOAL}x)")
    if trips is not None:
        print(f"PostgreSQL round trips per publish, one worker in process: {trips:.2f} (goal about 4)")
    if idle:
        print(
            f"`worker --once` with nothing due ({args.accounts} accounts, SQLite): {idle[0]:.2f} s CPU "
            f"first, {idle[1]:.2f} s again (goal < {IDLE_GOAL} s)"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
