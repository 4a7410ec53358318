"""Publishing throughput: 10,000 posts due at the same instant across 100 sandbox accounts.

    .venv/bin/python benchmarks/bench_publishing.py [--posts 10000] [--accounts 100] [--workers 1 4]
                                                    [--postgres URL]

For SQLite (and PostgreSQL when --postgres or SMTOOL_TEST_DATABASE_URL is given) and each worker
count, prints publishes per second, p50/p99 lag behind the due time and duplicates on the platform
(must be 0). The approvals and outbox rows are bulk-written first (what is measured is the worker);
the workers are real `smtool worker --once` processes publishing through the real clients.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.emulator import DEFAULT_LIMITS, SandboxServer
from connectors.emulator.state import SandboxAccount, SandboxState
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation.setup import SandboxAccountSpec, initialise, sandbox_config
from smtool.services.publishing.seals import seal
from smtool.services.records.signing import load_signing_key
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


def seed_outbox(config: Path, posts: int, accounts: int) -> None:
    """`posts` approved posts, one target each, spread over the accounts, all due now."""
    now = utcnow()
    with Context.open(load_settings(config)) as ctx, ctx.db.write() as session:
        key = load_signing_key(ctx.settings)
        for n in range(posts):
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


def run_workers(config: Path, workers: int) -> float:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--postgres", default=os.environ.get("SMTOOL_TEST_DATABASE_URL"))
    args = parser.parse_args()
    os.environ.pop("SMTOOL_SECRET_KEY", None)
    unlimited = {key: (10**9, window) for key, (_, window) in DEFAULT_LIMITS.items()}
    databases = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"{args.posts} posts due at once across {args.accounts} sandbox accounts (half X, half Facebook)")
    columns = ("publishes/s", "p50 lag s", "p99 lag s", "duplicates")
    print(f"{'database':<11} {'workers':>7} " + " ".join(f"{c:>12}" for c in columns))
    for database in databases:
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                schema = None
                if database == "sqlite":
                    url = f"sqlite:///{folder / 'bench.db'}"
                else:
                    url, schema = postgres_schema(args.postgres)
                state = SandboxState(accounts=sandbox_accounts(args.accounts), seed=1)
                server = SandboxServer(state, port=0, rate_limits=unlimited).start()
                try:
                    config = install(folder, url, server)
                    seed_outbox(config, args.posts, args.accounts)
                    elapsed = run_workers(config, workers)
                    lag = lags(config)
                    dups = duplicates(server)
                    print(
                        f"{database:<11} {workers:>7} {len(lag) / elapsed:>12.0f} {pct(lag, 50):>12.1f} "
                        f"{pct(lag, 99):>12.1f} {dups:>12}"
                    )
                    if len(lag) != args.posts:
                        print(f"  only {len(lag)} of {args.posts} published")
                finally:
                    server.stop()
                    if schema:
                        drop_schema(args.postgres, schema)


if __name__ == "__main__":
    main()
