"""Cadence figures equal hand-computed ones: ISO weeks in Riga across DST, gaps, bursts, bare links."""

from __future__ import annotations

from datetime import date

import pytest

from smtool.config import Reports
from smtool.services.context import Context
from smtool.services.reports import cadence
from smtool.services.reports.cadence import is_bare_link
from smtool.services.reports.period import Period
from tests.support.store_data import add_post, riga

# Monday 20 October to Sunday 2 November 2025 (ISO weeks 43 and 44); clocks go back on the 26th.
PERIOD = Period(date(2025, 10, 20), date(2025, 11, 2), "Europe/Riga")
BARE = "https://www.vk.gov.lv/lv/jaunumi"
EXPLAINED = (
    "Jaunie noteikumi stājas spēkā 1. jūlijā; galvenās izmaiņas skaidrojam šeit: https://www.vk.gov.lv"
)


def _posts(ctx: Context) -> None:
    add_post(ctx, "vk-x", riga(2025, 10, 20, 9, 0), text=BARE)
    add_post(ctx, "vk-x", riga(2025, 10, 26, 23, 30), text=EXPLAINED)  # Sunday night: week 43
    add_post(ctx, "vk-x", riga(2025, 10, 27, 0, 30))  # Monday: week 44
    for hour in range(10, 15):
        add_post(ctx, "vk-x", riga(2025, 10, 29, hour, 0))  # five in a day: a burst


def test_weeks_bursts_and_bare_links(ctx: Context) -> None:
    _posts(ctx)
    report = cadence(ctx, PERIOD)
    assert [w.label for w in report.weeks] == ["2025-W43", "2025-W44"]
    x, fb = (next(a for a in report.accounts if a.account == name) for name in ("vk-x", "vk-fb"))
    assert x.weekly == [2, 6] and x.posts == 8 and x.posts_per_week == 4 and x.active_weeks == 2
    assert [(b.account, b.day, b.posts) for b in report.bursts] == [("vk-x", date(2025, 10, 29), 5)]
    assert x.bare_links == 1 and x.bare_link_share == pytest.approx(1 / 8)
    assert report.bare_link_share == pytest.approx(1 / 8)
    assert x.gaps == 0
    # A silent account: one gap over the whole period, 14 days and the extra autumn hour.
    assert fb.posts == 0 and fb.gaps == 1
    assert fb.longest_gap_days == pytest.approx(14 + 1 / 24)


def test_shorter_gap_threshold_finds_inner_and_trailing_silences(ctx: Context) -> None:
    _posts(ctx)
    ctx.settings = ctx.settings.model_copy(update={"reports": Reports(gap_days=2)})
    gaps = cadence(ctx, PERIOD, account="vk-x").gaps
    assert [(g.start, g.end) for g in gaps] == [
        (riga(2025, 10, 20, 9, 0), riga(2025, 10, 26, 23, 30)),
        (riga(2025, 10, 27, 0, 30), riga(2025, 10, 29, 10, 0)),
        (riga(2025, 10, 29, 14, 0), PERIOD.end),
    ]
    assert gaps[0].days == pytest.approx(
        6 + 15.5 / 24
    )  # 6 days 14.5 hours of wall clock, plus the extra hour


def test_bare_link_follows_the_checker_rule() -> None:
    assert is_bare_link(BARE, 5)
    assert is_bare_link("Skatiet: https://www.vk.gov.lv/lv/jaunumi #VK @VKanceleja", 5)
    assert not is_bare_link(EXPLAINED, 5)
    assert not is_bare_link("Aicinām pieteikties kursiem.", 5)


def test_gaps_shorter_than_a_day_are_found_between_any_two_posts(ctx: Context) -> None:
    _posts(ctx)
    ctx.settings = ctx.settings.model_copy(update={"reports": Reports(gap_days=0.1)})  # 2.4 hours
    gaps = [(g.start, g.end) for g in cadence(ctx, PERIOD, account="vk-x").gaps]
    assert (riga(2025, 10, 20, 0, 0), riga(2025, 10, 20, 9, 0)) == (PERIOD.start, gaps[0][1])
    assert (riga(2025, 10, 26, 23, 30), riga(2025, 10, 27, 0, 30)) not in gaps  # one hour
    assert (riga(2025, 10, 27, 0, 30), riga(2025, 10, 29, 10, 0)) in gaps
    assert not any(a.day == 29 and b.day == 29 for a, b in gaps[1:-1])  # hourly posts that day
