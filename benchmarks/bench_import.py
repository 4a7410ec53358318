"""CSV import throughput on SQLite: `smtool post import` of 20,000 rows (checked and submitted).

    .venv/bin/python benchmarks/bench_import.py [--rows 20000]

Prints rows per second for the whole import (reading, checking every row, writing), the write
phase alone (the one transaction that holds the write lock) and the longest wait of a tiny write
transaction run over and over meanwhile (what `pause --all` would wait): the import checks without
a write lock, on every usable core (services.parallel), and writes in one short transaction.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from smtool.config import load_settings
from smtool.services import parallel
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

    def writer() -> None:  # what `pause --all` does: one small, patient write transaction
        while not done.is_set():
            started = time.perf_counter()
            with probe.write(patient=True) as session:
                session.execute(text("SELECT 1"))
            waits.append(time.perf_counter() - started)
            time.sleep(0.01)

    writing: list[float] = []
    write_checked = drafts._write_checked  # timed from outside: the service itself measures nothing

    def timed_write(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return write_checked(*args)
        finally:
            writing.append(time.perf_counter() - started)

    drafts._write_checked = timed_write
    with Context.open(load_settings(config)) as ctx:
        thread = threading.Thread(target=writer)
        thread.start()
        started = time.perf_counter()
        drafts.import_csv(ctx, "anna", data)
        took = time.perf_counter() - started
        done.set()
        thread.join()
    drafts._write_checked = write_checked
    probe.dispose()
    cores = parallel.usable_cores() if rows >= drafts.PARALLEL_FROM else 1
    print(
        f"sqlite: {rows:,} rows in {took:.2f} s = {rows / took:,.0f} rows/s end to end "
        f"(checked on {cores} {'core' if cores == 1 else 'cores'}); write phase {writing[0]:.2f} s = "
        f"{rows / writing[0]:,.0f} rows/s; a concurrent write waited at most "
        f"{max(waits) * 1000:.0f} ms ({len(waits)} tries)"
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
