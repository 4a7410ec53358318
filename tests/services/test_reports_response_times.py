"""Response-time figures in working minutes equal hand-computed ones (weekend, DST change)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smtool.services.context import Context
from smtool.services.reports import response_times
from smtool.services.reports.period import Period
from smtool.store.types import utcnow
from tests.support.store_data import add_item, riga

# Monday 20 October to Sunday 2 November 2025; clocks go back on Sunday 26 October.
PERIOD = Period(date(2025, 10, 20), date(2025, 11, 2), "Europe/Riga")


def test_response_times_per_team_and_account_against_the_targets(ctx: Context) -> None:
    # Targets: first response 240, resolution 960 working minutes; 08:30-17:00 on weekdays.
    add_item(
        ctx,
        "vk-x",
        riga(2025, 10, 20, 9, 0),
        first_response_at=riga(2025, 10, 20, 10, 0),
        resolved_at=riga(2025, 10, 20, 12, 0),
        state="resolved",
    )  # 60 and 180 minutes
    # Friday 16:00 to Monday 10:00 over the DST weekend: 60 + 90 working minutes; never resolved.
    add_item(
        ctx, "vk-x", riga(2025, 10, 24, 16, 0), first_response_at=riga(2025, 10, 27, 10, 0), state="answered"
    )
    # Tuesday 09:00 to Wednesday 09:00: 480 + 30 = 510 minutes, past the first-response target.
    add_item(
        ctx,
        "vk-fb",
        riga(2025, 10, 21, 9, 0),
        team="e-services",
        first_response_at=riga(2025, 10, 22, 9, 0),
        resolved_at=riga(2025, 10, 22, 9, 0),
        state="resolved",
    )
    add_item(ctx, "vk-fb", riga(2025, 10, 22, 10, 0), team="e-services")  # never answered
    # Not counted: spam, a takeover alert, and a message from before the period.
    add_item(ctx, "vk-x", riga(2025, 10, 22, 10, 0), state="spam")
    add_item(ctx, "vk-x", riga(2025, 10, 22, 10, 0), kind="alert")
    add_item(ctx, "vk-x", riga(2025, 10, 19, 23, 59))  # still open: in the backlog
    add_item(ctx, "vk-x", utcnow() - timedelta(hours=2))  # open, outside the period

    report = response_times(ctx, PERIOD)

    t = report.totals
    assert (t.items, t.answered, t.resolved, t.open) == (4, 3, 2, 2)
    assert t.first_response_median_minutes == pytest.approx(150)
    assert t.first_response_p90_minutes == pytest.approx(510)
    assert t.first_response_within_target == pytest.approx(2 / 4)
    assert t.resolution_median_minutes == pytest.approx((180 + 510) / 2)
    # Resolution: the first and third in time; the second and fourth are past their target.
    assert t.resolution_within_target == pytest.approx(2 / 4)
    teams = {g.key: g for g in report.teams}
    assert teams["press"].first_response_median_minutes == pytest.approx(105)
    assert teams["press"].first_response_within_target == 1.0
    assert teams["e-services"].first_response_within_target == 0.0
    assert [g.key for g in report.accounts] == ["vk-fb", "vk-x"]
    assert {b.label: b.items for b in report.backlog} == {
        "under 4 h": 1,
        "4-24 h": 0,
        "1-3 days": 0,
        "3-7 days": 0,
        "over 7 days": 3,
    }
    only_x = response_times(ctx, PERIOD, account="vk-x")
    assert only_x.totals.items == 2 and sum(b.items for b in only_x.backlog) == 3


def test_items_not_yet_due_are_left_out_of_the_share(ctx: Context) -> None:
    now = utcnow()
    add_item(ctx, "vk-x", now - timedelta(minutes=1))
    today = now.astimezone(PERIOD.start.tzinfo).date()
    report = response_times(ctx, Period(today - timedelta(days=1), today + timedelta(days=1), "Europe/Riga"))
    assert report.totals.items == 1 and report.totals.first_response_within_target is None
