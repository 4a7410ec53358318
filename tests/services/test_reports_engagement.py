"""Engagement figures equal hand-computed ones, with period boundaries in Riga across DST."""

from __future__ import annotations

from datetime import date

import pytest

from smtool.services.context import Context
from smtool.services.reports import engagement
from smtool.services.reports.period import Period, buckets, period_between, previous_month, previous_week
from tests.support.store_data import add_post, riga

ZONE = "Europe/Riga"


def test_a_period_is_whole_local_days_in_utc_across_the_spring_change() -> None:
    # Clocks go forward on Sunday 29 March 2026 at 03:00: that day lasts 23 hours.
    day = Period(date(2026, 3, 29), date(2026, 3, 29), ZONE)
    assert day.start == riga(2026, 3, 29, 0, 0) and day.start.hour == 22  # 22:00 UTC on the 28th
    assert day.end == riga(2026, 3, 30, 0, 0) and day.end.hour == 21
    assert (day.end - day.start).total_seconds() == 23 * 3600
    march = Period(date(2026, 3, 1), date(2026, 3, 31), ZONE)
    assert [b.label for b in buckets(march, "week")][:2] == ["2026-W09", "2026-W10"]
    assert previous_week(riga(2026, 3, 30, 9, 0), ZONE) == Period(date(2026, 3, 23), date(2026, 3, 29), ZONE)
    assert previous_month(riga(2026, 4, 1, 0, 30), ZONE) == march


def test_bad_periods_are_refused_with_what_to_type() -> None:
    from smtool.errors import UsageError

    now = riga(2026, 3, 30, 9, 0)
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        period_between("2026-02-30", None, ZONE, now)
    with pytest.raises(UsageError, match="after --to"):
        period_between("2026-03-10", "2026-03-01", ZONE, now)
    # The calendar's last and first days overflow once turned into UTC boundaries.
    with pytest.raises(UsageError, match="--to 9999-12-31 is out of range; give a day from 1970-01-01"):
        period_between(None, "9999-12-31", ZONE, now)
    with pytest.raises(UsageError, match="--from 0001-01-01 is out of range"):
        period_between("0001-01-01", None, ZONE, now)
    assert period_between(None, None, ZONE, now) == Period(date(2026, 3, 1), date(2026, 3, 30), ZONE)


def test_engagement_figures_on_the_day_clocks_go_forward(ctx: Context) -> None:
    # Outside: 23:30 the evening before, and midnight after (21:00 UTC on the 29th: a fixed +2
    # offset or the UTC date would count it in).
    add_post(ctx, "vk-x", riga(2026, 3, 28, 23, 30), snapshots=[(riga(2026, 3, 30, 9), {"impressions": 999})])
    add_post(ctx, "vk-fb", riga(2026, 3, 30, 0, 0), snapshots=[(riga(2026, 3, 30, 9), {"impressions": 999})])
    first = add_post(
        ctx,
        "vk-x",
        riga(2026, 3, 29, 0, 0),
        snapshots=[
            (riga(2026, 3, 29, 6), {"impressions": 100, "likes": 5}),
            (riga(2026, 3, 30, 6), {"impressions": 300, "likes": 9, "replies": 2, "shares": 1, "clicks": 4}),
            # Stored later but measured earlier: not the latest.
            (riga(2026, 3, 29, 12), {"impressions": 50, "likes": 1}),
        ],
    )
    second = add_post(
        ctx,
        "vk-x",
        riga(2026, 3, 29, 4, 30),  # after the change
        snapshots=[(riga(2026, 3, 30, 6), {"impressions": 200, "likes": 10, "quotes": 2, "bookmarks": 1})],
    )
    unmeasured = add_post(ctx, "vk-fb", riga(2026, 3, 29, 23, 59))

    report = engagement(ctx, Period(date(2026, 3, 29), date(2026, 3, 29), ZONE))

    t = report.totals
    assert (t.posts, t.impressions, t.likes, t.replies, t.shares, t.clicks, t.quotes, t.bookmarks) == (
        3,
        500,
        19,
        2,
        1,
        4,
        2,
        1,
    )
    assert t.engagements == (9 + 2 + 1 + 4) + (10 + 2 + 1)
    assert t.engagement_rate == pytest.approx(29 / 500)
    by_account = {a.account: a.figures for a in report.accounts}
    assert by_account["vk-x"].posts == 2 and by_account["vk-x"].impressions == 500
    assert by_account["vk-fb"].posts == 1 and by_account["vk-fb"].clicks is None
    assert by_account["vk-fb"].engagement_rate is None
    assert [p.publication_id for p in report.top_posts] == [first, second, unmeasured]
    assert report.top_posts[0].figures.engagements == 16
    assert report.top_posts[2].measured_at is None
    assert [(p.bucket.label, p.figures.posts) for p in report.trend] == [("2026-03-29", 3)]
    assert [p.publication_id for p in report.posts] == [first, second, unmeasured]


def test_daily_trend_across_the_autumn_change_and_filters(ctx: Context) -> None:
    # Clocks go back on Sunday 26 October 2025 at 04:00 (EEST -> EET).
    late_sunday = riga(2025, 10, 26, 23, 30)  # 21:30 UTC: still Sunday in Riga
    add_post(ctx, "vk-x", late_sunday, snapshots=[(riga(2025, 10, 28), {"impressions": 10})])
    add_post(
        ctx,
        "vk-x",
        riga(2025, 10, 27, 0, 30),
        campaigns=["EU-1"],
        snapshots=[(riga(2025, 10, 28), {"impressions": 20})],
    )
    add_post(
        ctx,
        "vk-fb",
        riga(2025, 10, 25, 12, 0),
        campaigns=["EU-1", "EU-2"],
        snapshots=[(riga(2025, 10, 28), {"impressions": 40})],
    )
    period = Period(date(2025, 10, 25), date(2025, 10, 27), ZONE)

    trend = engagement(ctx, period).trend
    assert [(p.bucket.label, p.figures.posts, p.figures.impressions) for p in trend] == [
        ("2025-10-25", 1, 40),
        ("2025-10-26", 1, 10),
        ("2025-10-27", 1, 20),
    ]
    assert engagement(ctx, period, account="vk-x").totals.impressions == 30
    assert engagement(ctx, period, campaign="EU-1").totals.impressions == 60
    assert engagement(ctx, period, campaign="EU").totals.posts == 0  # tags match whole
    assert engagement(ctx, period, account="vk-fb", campaign="EU-2").totals.posts == 1


def test_replies_to_citizens_are_not_posts(ctx: Context) -> None:
    from tests.support.store_data import add_item

    item = add_item(ctx, "vk-x", riga(2025, 10, 20, 9, 0))
    add_post(ctx, "vk-x", riga(2025, 10, 20, 10, 0), reply_to=item)
    assert engagement(ctx, Period(date(2025, 10, 20), date(2025, 10, 20), ZONE)).totals.posts == 0


def test_campaign_tags_match_exactly_whatever_characters_they_hold(ctx: Context) -> None:
    day = Period(date(2025, 10, 20), date(2025, 10, 20), ZONE)
    for tags in (["ESXF"], ["ES_F"], ["Rīga-100%"], ['say "hi"\\']):
        add_post(ctx, "vk-x", riga(2025, 10, 20, 10, 0), campaigns=tags)
    assert engagement(ctx, day, campaign="ES_F").totals.posts == 1
    assert engagement(ctx, day, campaign="Rīga-100%").totals.posts == 1
    assert engagement(ctx, day, campaign='say "hi"\\').totals.posts == 1
    assert engagement(ctx, day, campaign="rīga-100%").totals.posts == 0
