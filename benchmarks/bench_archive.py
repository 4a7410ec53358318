"""Archive benchmark: export and verify with N inbox items (and N/10 moderation actions) stored.

Prints figures; asserts no times. The export streams records in batches; what memory still grows
with N is the zip's central directory (one ZipInfo per file, written at the end as the format
requires). The peak traced Python memory is printed for N/10 and N records, and the growth per record.

    python benchmarks/bench_archive.py              # 100,000 items
    python benchmarks/bench_archive.py --items 20000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.services.records.archive import export_archive, verify_archive
from smtool.services.records.signing import load_signing_key
from smtool.store.tables import InboxItem, ModerationAction

CONFIG = """\
[institution]
name = "Benchmarka iestāde"

[database]
url = "sqlite:///{db}"

[[users]]
name = "liga"
roles = ["press_officer"]

[[accounts]]
id = "vk-x"
platform = "x"
handle = "@VK"
"""
DAY = date(2026, 3, 2)


def fill(ctx: Context, items: int) -> None:
    moment = datetime(2026, 3, 2, 10, tzinfo=UTC)
    with ctx.db.write() as session:
        for start in range(0, items, 5000):
            rows = [
                {
                    "platform": "x",
                    "remote_id": str(n),
                    "account_id": "vk-x",
                    "kind": "mention",
                    "author_id": str(n % 977),
                    "author_name": f"Iedzīvotājs {n % 977}",
                    "author_handle": f"@iedz{n % 977}",
                    "text": f"@VK Labdien! Kad būs atbilde uz manu iesniegumu Nr. {n}? Paldies.",
                    "created_at": moment + timedelta(seconds=n % 20000),
                    "fetched_at": moment,
                    "raw": {"id": str(n), "text": "…", "author_id": str(n % 977), "lang": "lv"},
                    "state": "resolved",
                    "priority": 0,
                    "flags": ["question"],
                    "hidden": n % 50 == 0,
                    "version": 1,
                    "escaped": False,
                }
                for n in range(start, min(items, start + 5000))
            ]
            session.execute(insert(InboxItem), rows)
        session.flush()
        actions = [
            {"item_id": n + 1, "actor": "liga", "action": "resolve", "detail": {}, "at": moment}
            for n in range(0, items, 10)
        ]
        session.execute(insert(ModerationAction), actions)


def installation(folder: Path, items: int) -> Context:
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(CONFIG.format(db=folder / "smtool.db"), encoding="utf-8")
    initialise(config, actor="bench")
    ctx = Context.open(load_settings(config))
    fill(ctx, items)
    return ctx


def export(ctx: Context, path: Path, *, traced: bool) -> tuple[float, int]:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    export_archive(ctx, DAY, DAY, path, "local:bench")  # the operator: it may read every item
    elapsed = time.perf_counter() - started
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=int(os.environ.get("BENCH_ARCHIVE_ITEMS", "100000")))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        peaks = {}
        for label, n in (("N/10", args.items // 10), ("N", args.items)):
            with installation(folder / label.replace("/", "-"), n) as ctx:
                records = n + (n + 9) // 10
                if label == "N":
                    seconds, _ = export(ctx, folder / "timed.zip", traced=False)
                    size = (folder / "timed.zip").stat().st_size
                    print(
                        f"export of {records:,} records: {seconds:.1f} s, "
                        f"{records / seconds:,.0f} records/s, zip {size / 1e6:.1f} MB"
                    )
                    started = time.perf_counter()
                    check = verify_archive(folder / "timed.zip", load_signing_key(ctx.settings).public_key())
                    seconds = time.perf_counter() - started
                    print(
                        f"verify of {check.files:,} files: {seconds:.1f} s, "
                        f"{check.files / seconds:,.0f} files/s, ok={check.ok}"
                    )
                _, peaks[label] = export(ctx, folder / f"traced-{n}.zip", traced=True)
                print(f"peak traced memory, {label} = {records:,} records: {peaks[label] / 1e6:.1f} MB")
        small, large = args.items // 10, args.items
        extra = (large + (large + 9) // 10) - (small + (small + 9) // 10)
        print(
            f"memory growth per record beyond N/10: {(peaks['N'] - peaks['N/10']) / extra:,.0f} bytes "
            "(the zip's central directory)"
        )


if __name__ == "__main__":
    main()
