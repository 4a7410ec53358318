"""TUI benchmark: first paint of the inbox and the calendar over a big database, keystroke-to-findings
latency in Compose, and the peak memory of the TUI process.

Prints figures; asserts no times.

    python benchmarks/bench_tui.py                 # the issue's sizes: 1,000,000 inbox items, 100,000 posts
    python benchmarks/bench_tui.py --scale 0.01    # a quick run: 10,000 items, 1,000 posts

The database is generated once per scale and kept: SQLite under the temporary folder
(smtool-bench-tui/scale-S), PostgreSQL (with --postgres URL or SMTOOL_TEST_DATABASE_URL) in a schema
bench_tui_S; later runs measure the TUI only; --fresh builds it again.
Each measurement runs the TUI headless (Textual's run_test, 120x40) in a child process of its own,
so its peak RSS is that of one TUI process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.store.tables import Approval, Post, PostTarget, Publication

INBOX_ITEMS = 1_000_000
POSTS = 100_000
BATCH = 10_000
NOW = datetime.now(UTC).replace(microsecond=0)


CONFIG = """\
[institution]
name = "Bench"
timezone = "Europe/Riga"

[database]
url = "{url}"

[[users]]
name = "anna"
roles = ["communicator"]

[[users]]
name = "karlis"
roles = ["approver"]

[[users]]
name = "liga"
roles = ["press_officer"]
team = "press"

[[accounts]]
id = "vk-x"
platform = "x"
handle = "@bench"
spokespeople = ["karlis"]

[[accounts]]
id = "vk-fb"
platform = "facebook"
handle = "Bench"
spokespeople = ["karlis"]
"""


def folder_for(scale: float, kind: str) -> Path:
    return Path(tempfile.gettempdir()) / "smtool-bench-tui" / f"scale-{scale:g}" / kind


def database_url(kind: str, scale: float, pg_base: str | None, fresh: bool) -> str:
    """SQLite next to the config, or a PostgreSQL schema of its own (kept, like the SQLite file;
    emptied when `fresh`)."""
    if kind == "sqlite":
        return "sqlite:///smtool.db"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    assert pg_base
    schema = f"bench_tui_{scale:g}".replace(".", "_")
    admin = create_engine(pg_base)
    with admin.begin() as connection:
        if fresh:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    url = make_url(pg_base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def build(folder: Path, scale: float, url: str) -> None:
    """A database with scale x 1,000,000 inbox items and scale x 100,000 posts, bulk-inserted."""
    items, posts = int(INBOX_ITEMS * scale), int(POSTS * scale)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("smtool.db", "smtool.db-wal", "smtool.db-shm", "config.toml", "ready"):
        (folder / name).unlink(missing_ok=True)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(url=url), encoding="utf-8")
    initialise(config, actor="bench")
    started = time.perf_counter()
    with Context.open(load_settings(config)) as ctx:
        _fill_posts(ctx, posts)
        from bench_inbox import fill  # its queue: inbox items on an account bench-x of its own

        fill(ctx.db, items)
        with ctx.db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    seconds = time.perf_counter() - started
    (folder / "ready").write_text(json.dumps({"items": items, "posts": posts}), encoding="utf-8")
    print(f"built: {items:,} inbox items and {posts:,} posts in {seconds:.1f} s ({folder})")


def _fill_posts(ctx: Context, count: int) -> None:
    """Posts over ~300 days before now and ~65 after, each approved for one account with one
    publication: past ones published (a few failed or unknown), future ones scheduled."""
    from bench_inbox import WORDS

    rng = random.Random(7)
    span = timedelta(days=365)
    first = NOW - timedelta(days=300)
    tables = [t.__table__ for t in (Post, PostTarget, Approval, Publication)]  # type: ignore[attr-defined]
    for offset in range(0, count, BATCH):
        posts, targets, approvals, publications = [], [], [], []
        for n in range(offset + 1, min(offset + BATCH, count) + 1):
            due = first + span * (n / count)
            account = "vk-x" if n % 2 else "vk-fb"
            body = "Valsts kanceleja informē: " + " ".join(rng.choices(WORDS, k=10))
            past = due < NOW
            state = "published" if past else "scheduled"
            if past and rng.random() < 0.01:
                state = rng.choice(["failed", "unknown", "needs_reauth"])
            posts.append(
                {
                    "id": n,
                    "author": "anna",
                    "text": body,
                    "variants": {},
                    "media": [],
                    "campaigns": [],
                    "state": "published" if state == "published" else "approved",
                    "scheduled_at": due,
                    "content_hash": f"{n:064x}",
                    "version": 3,
                    "created_at": due - timedelta(days=2),
                    "updated_at": due,
                }
            )
            targets.append({"post_id": n, "account_id": account})
            approvals.append(
                {
                    "id": n,
                    "post_id": n,
                    "approver": "karlis",
                    "decision": "approved",
                    "content_hash": f"{n:064x}",
                    "created_at": due - timedelta(days=1),
                }
            )
            publications.append(
                {
                    "id": n,
                    "post_id": n,
                    "approval_id": n,
                    "account_id": account,
                    "text": body,
                    "state": state,
                    "due_at": due,
                    "attempt": 1 if past else 0,
                    "published_at": due if state == "published" else None,
                    "version": 2,
                    "created_at": due - timedelta(days=1),
                    "updated_at": due,
                }
            )
        with ctx.db.write() as session:
            for table, rows in zip(tables, (posts, targets, approvals, publications), strict=True):
                session.execute(insert(table), rows)


# --- the child: one TUI process per measurement ---------------------------------------------------


async def first_paint(ctx: Context, screen: str) -> float:
    """Seconds from the app's start until the screen shows its first rows."""
    from smtool.tui.app import build_app
    from smtool.tui.screens.calendar import CalendarScreen
    from smtool.tui.screens.inbox import InboxScreen

    app = build_app(ctx, "liga" if screen == "inbox" else "karlis", screen)
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            shown = app.screen
            if isinstance(shown, InboxScreen) and shown.items:
                break
            if isinstance(shown, CalendarScreen) and shown.entries:
                break
            await pilot.pause(0.001)
        await pilot.pause()  # the refresh that paints them
        return time.perf_counter() - started


async def keystrokes(ctx: Context, count: int) -> list[float]:
    """Milliseconds from a key press in Compose to the findings for the new text (no debounce)."""
    from textual.widgets import TextArea

    from smtool.tui.app import build_app
    from smtool.tui.screens.compose import ComposeScreen

    ComposeScreen.DEBOUNCE_SECONDS = 0.001  # the typing pause is added in the report, not measured
    app = build_app(ctx, "anna", "compose")
    typed = "Es uzskatu, ka iesniegumu var iesniegt tiešsaistē līdz piektdienai. "
    latencies = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        area = screen.query_one("#post-text", TextArea)
        area.text = "Valsts kanceleja aicina pieteikties. " * 3
        area.move_cursor(area.document.end)
        for char in (typed * 4)[:count]:
            target = area.text + char
            started = time.perf_counter()
            await pilot.press("space" if char == " " else char)
            assert area.text == target
            while screen.checked is None or screen.checked.draft.text != target:
                await pilot.pause(0.0005)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def seconds_since_process_start() -> float:
    """From /proc (Linux): includes interpreter start-up and every import."""
    ticks = os.sysconf("SC_CLK_TCK")
    started = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def child(folder: Path, what: str, count: int) -> None:
    settings = load_settings(folder / "config.toml")
    with Context.open(settings) as ctx:
        if what == "compose":
            result: dict[str, object] = {"latencies_ms": asyncio.run(keystrokes(ctx, count))}
        else:
            paint = asyncio.run(first_paint(ctx, what))
            result = {"paint_s": paint, "since_start_s": seconds_since_process_start()}
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(folder: Path, what: str, count: int = 0) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, "--folder", str(folder), "--keys", str(count)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_TUI_SCALE", "1")))
    parser.add_argument("--fresh", action="store_true", help="build the database again")
    parser.add_argument("--repeat", type=int, default=3, help="child runs per first-paint figure")
    parser.add_argument("--keys", type=int, default=40, help="keystrokes measured in Compose")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SMTOOL_TEST_DATABASE_URL"),
        help="also measure on this PostgreSQL database (a schema bench_tui_SCALE is kept there)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.pop("SMTOOL_SECRET_KEY", None)
    if args.child:
        child(Path(args.folder), args.child, args.keys)
        return
    for kind in ["sqlite", "postgresql"] if args.postgres else ["sqlite"]:
        folder = folder_for(args.scale, kind)
        fresh = args.fresh or not (folder / "ready").exists()
        url = database_url(kind, args.scale, args.postgres, fresh)
        if fresh:
            build(folder, args.scale, url)
        else:
            initialise(folder / "config.toml", actor="bench")  # a newer smtool: migrate the kept database
        sizes = json.loads((folder / "ready").read_text(encoding="utf-8"))
        print(f"{kind}: {sizes['items']:,} inbox items, {sizes['posts']:,} posts ({folder})")
        for screen in ("inbox", "calendar"):
            runs = [run_child(folder, screen) for _ in range(args.repeat)]
            paint = statistics.median(float(r["paint_s"]) for r in runs) * 1000  # type: ignore[arg-type]
            since = statistics.median(float(r["since_start_s"]) for r in runs)  # type: ignore[arg-type]
            rss = max(float(r["max_rss_mb"]) for r in runs)  # type: ignore[arg-type]
            print(
                f"{kind} {screen}: first paint {paint:.0f} ms after the app starts (median of "
                f"{args.repeat}); {since:.2f} s from process start incl. imports; peak RSS {rss:.0f} MB"
            )
    folder = folder_for(args.scale, "sqlite")
    from smtool.tui.screens.compose import ComposeScreen

    compose = run_child(folder, "compose", args.keys)
    latencies = [float(v) for v in compose["latencies_ms"]]  # type: ignore[attr-defined]
    p95 = sorted(latencies)[max(0, int(len(latencies) * 0.95) - 1)]
    pause = ComposeScreen.DEBOUNCE_SECONDS * 1000
    print(
        f"compose: keystroke to updated findings p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms over {len(latencies)} keys (after the {pause:.0f} ms pause in typing "
        "the TUI waits for before checking); "
        f"peak RSS {float(compose['max_rss_mb']):.0f} MB"  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
