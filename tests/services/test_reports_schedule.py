"""Scheduled reports: each period generated once, across restarts and workers; a dead claim taken over."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from smtool.config import Reports, ScheduledReport
from smtool.services.context import Context
from smtool.services.reports.schedule import CLAIM_LEASE, ReportScheduler, due_period
from smtool.store.tables import ReportRun
from tests.support.store_data import add_post, riga


def _configure(ctx: Context, folder: Path) -> None:
    entries = [
        ScheduledReport(report="engagement", every="weekly", format="json"),
        ScheduledReport(report="cadence", every="monthly", format="csv", account="vk-x"),
    ]
    ctx.settings = ctx.settings.model_copy(update={"reports": Reports(folder=str(folder), scheduled=entries)})


def test_each_period_is_generated_once(ctx: Context, tmp_path: Path) -> None:
    _configure(ctx, tmp_path / "out")
    add_post(ctx, "vk-x", riga(2025, 10, 28, 10, 0), snapshots=[(riga(2025, 10, 29), {"impressions": 70})])
    now = riga(2025, 11, 3, 0, 5)  # Monday: October and week 44 are complete

    assert ReportScheduler(ctx, "w1").run_due(now)["generated"] == 2
    weekly = tmp_path / "out" / "engagement-weekly-json-2025-W44.json"
    monthly = tmp_path / "out" / "cadence-monthly-csv-vk-x-2025-10.csv"
    assert json.loads(weekly.read_text())["tables"]["accounts"][0]["impressions"] == 70
    assert monthly.read_text().startswith("account,posts,")

    weekly.unlink()
    assert ReportScheduler(ctx, "w1").run_due(now + timedelta(hours=1)) == {}  # a restart
    assert ReportScheduler(ctx, "w2").run_due(now) == {}  # another worker
    assert not weekly.exists()
    # Next week only the weekly report is due again.
    assert ReportScheduler(ctx, "w2").run_due(now + timedelta(days=7))["generated"] == 1
    with ctx.db.read() as session:
        runs = session.exec(select(ReportRun)).all()
    assert sorted((r.name, r.state, r.claimed_by) for r in runs) == [
        ("cadence-monthly-csv-vk-x", "done", "w1"),
        ("engagement-weekly-json", "done", "w1"),
        ("engagement-weekly-json", "done", "w2"),
    ]


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(ctx: Context, tmp_path: Path) -> None:
    _configure(ctx, tmp_path / "out")
    now = riga(2025, 11, 3, 0, 5)
    scheduler = ReportScheduler(ctx, "dead")
    entry = ctx.settings.reports.scheduled[0]
    assert scheduler.claim(entry.name, due_period(entry, now, "Europe/Riga"), now)  # then it crashed
    assert ReportScheduler(ctx, "w2").run_due(now + timedelta(minutes=5))["generated"] == 1  # the monthly
    later = now + CLAIM_LEASE + timedelta(minutes=1)
    assert ReportScheduler(ctx, "w2").run_due(later)["generated"] == 1  # the weekly, taken over
    assert (tmp_path / "out" / "engagement-weekly-json-2025-W44.json").exists()


def test_an_unwritable_folder_is_retried_next_time(ctx: Context, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    _configure(ctx, blocker / "out")
    now = riga(2025, 11, 3, 0, 5)
    assert ReportScheduler(ctx, "w1").run_due(now)["errors"] == 2
    _configure(ctx, tmp_path / "out")
    assert ReportScheduler(ctx, "w1").run_due(now)["generated"] == 2
