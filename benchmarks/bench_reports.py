"""Reports benchmark: 100,000 posts with 30 daily snapshots each (3,000,000 snapshot rows).

Times each report (engagement, response-times, cadence, campaign) over a year and over a month, on
SQLite and, when a URL is given, on PostgreSQL, and the Python heap peak of each (tracemalloc, in a
separate run so it does not slow the timed one). Prints figures; asserts nothing.

    python benchmarks/bench_reports.py                  # the issue's size
    python benchmarks/bench_reports.py --scale 0.02     # 2,000 posts, a quick run
    python benchmarks/bench_reports.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

PostgreSQL is measured too when --postgres URL or SMTOOL_TEST_DATABASE_URL is given (a fresh schema
is created and dropped). Rows are bulk-loaded: executemany in one transaction on SQLite, COPY on
PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_inbox import database  # a fresh SQLite file or PostgreSQL schema
from sqlalchemy import text

from smtool.config import settings_from_dict
from smtool.services import reports
from smtool.services.context import Context
from smtool.services.reports.aggregate import METRICS
from smtool.services.reports.period import Period
from smtool.store.engine import Database
from smtool.store.migrate import upgrade
from smtool.store.tables import Account, User

ZONE = "Europe/Riga"
LAST_DAY = date(2026, 10, 31)
ACCOUNTS = 20
SNAPSHOTS = 30
TEXTS = [
    "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim.",
    "Jaunie noteikumi stājas spēkā 1. jūlijā; galvenās izmaiņas skaidrojam šeit: https://www.vk.gov.lv/lv/jaunumi",
    "https://www.vk.gov.lv/lv/jaunumi",
    "Aicinām pieteikties kursiem līdz piektdienai, vietu skaits ierobežots. #VK",
]


def text_of(i: int) -> str:
    # Unique texts, as real posts are (the bare-link judgement is cached per text).
    return f"{TEXTS[i % len(TEXTS)]} {i}"


def _value(value: Any, dialect: str) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, datetime) and dialect == "sqlite":
        # The form SQLAlchemy stores on SQLite: naive UTC with microseconds.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


def load(db: Database, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Bulk-insert rows: executemany in one transaction (SQLite) or COPY (PostgreSQL)."""
    dialect = db.dialect
    raw = db.engine.raw_connection()
    count = 0
    try:
        cursor = raw.cursor()
        if dialect == "sqlite":
            cursor.execute("BEGIN")
            marks = ", ".join("?" for _ in columns)
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(_value(v, dialect) for v in row))
                if len(batch) == 50_000:
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
            count += len(batch)
            cursor.execute("COMMIT")
        else:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([_value(v, dialect) for v in row])
                    count += 1
            raw.commit()
    finally:
        raw.close()
    return count


def fill(db: Database, posts: int, items: int) -> float:
    """Accounts, posts, approvals, publications, SNAPSHOTS daily snapshots each, inbox items."""
    rng = random.Random(8)
    started = time.perf_counter()
    with db.write() as session:
        session.add(User(name="anna", roles=["communicator"]))
        session.add(User(name="karlis", roles=["approver"]))
        for n in range(ACCOUNTS):
            platform = "x" if n % 2 == 0 else "facebook"
            session.add(Account(id=f"acc-{n:02d}", platform=platform, handle=f"@acc{n}", kind="institution"))
    end = datetime.combine(LAST_DAY, datetime.min.time(), UTC)
    span = 365 * 86400
    published = [end - timedelta(seconds=rng.randrange(span)) for _ in range(posts)]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    load(
        db,
        "posts",
        [
            "id",
            "author",
            "text",
            "variants",
            "media",
            "campaigns",
            "state",
            "content_hash",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (
                i + 1,
                "anna",
                text_of(i),
                {},
                [],
                ["EU-1"] if i % 10 == 0 else [],
                "published",
                "h",
                1,
                published[i],
                published[i],
            )
            for i in range(posts)
        ),
    )
    load(
        db,
        "approvals",
        ["id", "post_id", "approver", "decision", "content_hash", "created_at"],
        ((i + 1, i + 1, "karlis", "approved", "h", published[i]) for i in range(posts)),
    )
    load(
        db,
        "publications",
        [
            "id",
            "post_id",
            "approval_id",
            "account_id",
            "text",
            "state",
            "due_at",
            "attempt",
            "remote_id",
            "published_at",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (
                i + 1,
                i + 1,
                i + 1,
                f"acc-{i % ACCOUNTS:02d}",
                text_of(i),
                "published",
                published[i],
                1,
                str(10**12 + i),
                published[i],
                1,
                published[i],
                published[i],
            )
            for i in range(posts)
        ),
    )

    def snapshots() -> Iterator[tuple[Any, ...]]:
        for i in range(posts):
            reach = 300 + (i * 7919) % 8000
            for day in range(1, SNAPSHOTS + 1):
                impressions = reach * day // SNAPSHOTS
                yield (
                    i + 1,
                    published[i] + timedelta(days=day),
                    impressions,
                    impressions // 30,
                    impressions // 200,
                    impressions // 150,
                    impressions // 60 if i % 2 == 0 else None,
                    impressions // 500,
                    impressions // 400,
                    {},
                )

    rows = load(
        db,
        "metric_snapshots",
        ["publication_id", "taken_at", *METRICS, "raw"],
        snapshots(),
    )
    assert rows == posts * SNAPSHOTS

    def inbox() -> Iterator[tuple[Any, ...]]:
        for n in range(items):
            created = end - timedelta(seconds=rng.randrange(span))
            answered = created + timedelta(minutes=rng.randrange(10, 3000)) if n % 10 else None
            resolved = answered + timedelta(hours=rng.randrange(1, 48)) if answered and n % 3 else None
            state = "resolved" if resolved else ("answered" if answered else "new")
            yield (
                "x",
                str(n),
                f"acc-{n % ACCOUNTS:02d}",
                "comment",
                "Kad?",
                created,
                created,
                {},
                state,
                0,
                [],
                "press" if n % 4 else "e-services",
                False,
                1,
                False,
                answered,
                resolved,
                str(10**12 + n % posts),
            )

    load(
        db,
        "inbox_items",
        [
            "platform",
            "remote_id",
            "account_id",
            "kind",
            "text",
            "created_at",
            "fetched_at",
            "raw",
            "state",
            "priority",
            "flags",
            "team",
            "hidden",
            "version",
            "escaped",
            "first_response_at",
            "resolved_at",
            "thread_remote_id",
        ],
        inbox(),
    )
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    if db.dialect == "sqlite":
        # Fold the bulk load's write-ahead log into the database file, as SQLite does over time;
        # reading three million rows through a fresh WAL index would be a load-time artefact.
        raw = db.engine.raw_connection()  # outside any transaction
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    del now
    return time.perf_counter() - started


def run(ctx: Context, kind: reports.ReportKind, period: Period, full: bool) -> reports.Report:
    return reports.build(
        ctx, kind, period, campaign_tag="EU-1" if kind == "campaign" else None, with_posts=full
    )


def load_installation(url: str, posts: int, items: int) -> None:
    db = Database(url)
    upgrade(db)
    fill(db, posts, items)
    db.dispose()


def measure(kind_db: str, url: str, posts: int, items: int, repeat: int) -> None:
    settings = settings_from_dict({"institution": {"name": "Bench"}, "database": {"url": url}})
    # Loaded in a child process: reports then run as in a fresh CLI or worker process (in the
    # loading process itself SQLite queries measured several times slower), and the peak memory
    # printed is the reports' own.
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(target=load_installation, args=(url, posts, items))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"loading the data failed (exit code {child.exitcode})")
    seconds = time.perf_counter() - started
    db = Database(url)
    print(
        f"{kind_db}: loaded {posts:,} posts, {posts * SNAPSHOTS:,} snapshots, {items:,} inbox items "
        f"in {seconds:.1f} s ({posts * SNAPSHOTS / seconds:,.0f} snapshot rows/s)"
    )
    ctx = Context(settings, db)
    year = Period(LAST_DAY - timedelta(days=364), LAST_DAY, ZONE)
    month = Period(LAST_DAY.replace(day=1), LAST_DAY, ZONE)
    # CPU seconds of this process: on SQLite all the work, on PostgreSQL the client's share. Wall
    # times on a shared machine vary with its load; the CPU time much less.
    print(
        f"{'report':<16} {'period':<6} {'posts list':<10} {'median s':>9} {'min s':>7} {'cpu s':>7} "
        f"{'peak MiB':>9}"
    )
    for kind in reports.REPORT_KINDS:
        for label, period in (("year", year), ("month", month)):
            for full in (False, True) if kind in ("engagement", "campaign") else (False,):
                times, cpu = [], []
                for _ in range(repeat):
                    started, used = time.perf_counter(), time.process_time()
                    run(ctx, kind, period, full)
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
                tracemalloc.start()
                run(ctx, kind, period, full)
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                print(
                    f"{kind:<16} {label:<6} {'all' if full else 'top only':<10} "
                    f"{statistics.median(times):>9.3f} {min(times):>7.3f} {min(cpu):>7.3f} {peak:>9.1f}"
                )
    db.dispose()
    print(f"{kind_db}: process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the issue's size (1.0: 100,000 posts)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SMTOOL_TEST_DATABASE_URL"),
        help="PostgreSQL base URL (default: SMTOOL_TEST_DATABASE_URL)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per report")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="measure one database")
    args = parser.parse_args()
    posts = max(int(100_000 * args.scale), 100)
    items = max(int(20_000 * args.scale), 20)
    kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
    if args.only:
        kinds = [args.only]
    for kind in kinds:
        with database(kind, args.postgres) as url:
            measure(kind, url, posts, items, args.repeat)


if __name__ == "__main__":
    main()
