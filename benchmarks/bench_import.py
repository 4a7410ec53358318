"""CSV import throughput on SQLite: `smtool post import` of 20,000 rows (checked and submitted).

    .venv/bin/python benchmarks/bench_import.py [--rows 20000]

Prints rows per second for the whole import (reading, checking every row, writing) and the longest
wait of a tiny write transaction run over and over meanwhile (what `pause --all` would wait): the
import checks without a write lock and writes in one short transaction.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.services.publishing import drafts
from smtool.store.engine import Database
from tests.support.databases import BASE_CONFIG

TEXTS = (
    "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim, numurs {n}.",
    "Jaunie pakalpojumi pieejami portālā Latvija.gov.lv no pirmdienas; jautājumi: info@vk.gov.lv ({n}).",
    "Ministrija informē par izmaiņām darba laikā svētku dienās, paziņojums {n}.",
)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account", "at", "text"])
        for n in range(rows):
            day, minute = divmod(n, 600)
            at = f"2030-{1 + day // 28 % 12:02d}-{1 + day % 28:02d} {8 + minute // 60:02d}:{minute % 60:02d}"
            writer.writerow(["vk-x" if n % 2 else "vk-fb", at, TEXTS[n % len(TEXTS)].format(n=n)])


def run(url: str, folder: Path, rows: int) -> None:
    """Import `rows` rows into a new installation at `url` and print the figures."""
    config = folder / "config.toml"
    config.write_text(BASE_CONFIG.format(url=url), encoding="utf-8")
    initialise(config, actor="bench")
    data = folder / "posts.csv"
    write_csv(data, rows)
    waits: list[float] = []
    done = threading.Event()
    probe = Database(url)

    def writer() -> None:  # what `pause --all` does: one small write transaction
        while not done.is_set():
            started = time.perf_counter()
            with probe.write() as session:
                session.execute(text("SELECT 1"))
            waits.append(time.perf_counter() - started)
            time.sleep(0.01)

    with Context.open(load_settings(config)) as ctx:
        thread = threading.Thread(target=writer)
        thread.start()
        started = time.perf_counter()
        drafts.import_csv(ctx, "anna", data)
        took = time.perf_counter() - started
        done.set()
        thread.join()
    probe.dispose()
    print(
        f"sqlite: {rows:,} rows in {took:.2f} s = {rows / took:,.0f} rows/s; "
        f"a concurrent write waited at most {max(waits) * 1000:.0f} ms ({len(waits)} tries)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.pop("SMTOOL_SECRET_KEY", None)
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'smtool.db'}", Path(tmp), args.rows)


if __name__ == "__main__":
    main()
