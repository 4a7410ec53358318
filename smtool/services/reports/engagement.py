"""Engagement: reach and interactions per account, per post and over the period.

Each post counts with its latest snapshot: the lifetime figures as last measured by the metrics job.
Engagements are every interaction a platform reports (likes or reactions, replies or comments,
shares, link clicks, quotes, bookmarks); the engagement rate is engagements per impression.
"""

# SQL here is formatted only from this package's constants; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from smtool.services.context import Context
from smtool.services.reports.aggregate import (
    ENGAGEMENT_SUM,
    METRICS,
    Scope,
    as_int,
    bucket_sql,
    fetch,
    maybe_int,
    posts_cte,
    scope_params,
)
from smtool.services.reports.period import Bucket, Period, buckets
from smtool.store.types import utcnow

_FIGURES_SQL = ", ".join(
    ["COUNT(*) AS posts"]
    # clicks stay NULL when no post of the group has them (the platform does not give them).
    + [f"SUM({m}) AS {m}" if m == "clicks" else f"SUM(COALESCE({m}, 0)) AS {m}" for m in METRICS]
    + [f"SUM({ENGAGEMENT_SUM.format(p='')}) AS engagements"]
)


@dataclass(frozen=True)
class Figures:
    """Summed figures of some posts; `clicks` is None where no post has a click count."""

    posts: int = 0
    impressions: int = 0
    likes: int = 0
    replies: int = 0
    shares: int = 0
    clicks: int | None = None
    quotes: int = 0
    bookmarks: int = 0
    engagements: int = 0

    @property
    def engagement_rate(self) -> float | None:
        """Engagements per impression (0.034 = 3.4 %); None without impressions."""
        return self.engagements / self.impressions if self.impressions else None

    @classmethod
    def from_row(cls, row: Any) -> Figures:
        values = row._mapping
        return cls(
            posts=as_int(values["posts"]),
            impressions=as_int(values["impressions"]),
            likes=as_int(values["likes"]),
            replies=as_int(values["replies"]),
            shares=as_int(values["shares"]),
            clicks=maybe_int(values["clicks"]),
            quotes=as_int(values["quotes"]),
            bookmarks=as_int(values["bookmarks"]),
            engagements=as_int(values["engagements"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "impressions": self.impressions,
            "likes": self.likes,
            "replies": self.replies,
            "shares": self.shares,
            "clicks": self.clicks,
            "quotes": self.quotes,
            "bookmarks": self.bookmarks,
            "engagements": self.engagements,
            "engagement_rate": self.engagement_rate,
        }


@dataclass(frozen=True)
class AccountEngagement:
    account: str
    platform: str
    handle: str
    figures: Figures


@dataclass(frozen=True)
class PostEngagement:
    """One published post on one account with its latest figures (`measured_at` None: never)."""

    publication_id: int
    post_id: int
    account: str
    published_at: datetime
    remote_id: str | None
    text: str
    measured_at: datetime | None
    figures: Figures


@dataclass(frozen=True)
class TrendPoint:
    """The posts published in one local day or week of the period."""

    bucket: Bucket
    figures: Figures


@dataclass(frozen=True)
class EngagementReport:
    period: Period
    account: str | None
    campaign: str | None
    generated_at: datetime
    totals: Figures
    accounts: list[AccountEngagement]
    top_posts: list[PostEngagement]
    trend: list[TrendPoint]
    posts: list[PostEngagement] = field(default_factory=list)
    """Every post of the period (filled when asked for: files, not the terminal table)."""


def engagement(
    ctx: Context,
    period: Period,
    account: str | None = None,
    campaign: str | None = None,
    *,
    with_posts: bool = True,
) -> EngagementReport:
    """The engagement report of the posts published in `period` (optionally one account/campaign)."""
    scope = Scope(period, account, campaign)
    dialect = ctx.db.dialect
    cte = posts_cte(dialect, scope)
    params = scope_params(scope)
    unit = period.trend_unit()
    steps = buckets(period, unit)
    with ctx.db.read() as session:
        account_rows = fetch(
            session,
            f"{cte} SELECT l.account_id, a.platform, a.handle, {_FIGURES_SQL} "
            "FROM latest l JOIN accounts a ON a.id = l.account_id "
            "GROUP BY l.account_id, a.platform, a.handle ORDER BY l.account_id",
            params,
        )
        trend_rows = fetch(
            session,
            f"{cte} SELECT {bucket_sql('published_at', dialect, period, unit)} AS b, "
            f"{_FIGURES_SQL} FROM latest GROUP BY b",
            params,
        )
        top_rows = fetch(
            session,
            f"{cte} {_POST_SELECT} ORDER BY engagements DESC, impressions DESC, id LIMIT :top",
            {**params, "top": ctx.settings.reports.top_posts},
            times=("published_at", "taken_at"),
        )
        post_rows = (
            fetch(
                session,
                f"{cte} {_POST_SELECT} ORDER BY published_at, id",
                params,
                ("published_at", "taken_at"),
            )
            if with_posts
            else []
        )
    accounts = [
        AccountEngagement(r.account_id, r.platform, r.handle, Figures.from_row(r)) for r in account_rows
    ]
    by_bucket = {int(r.b): Figures.from_row(r) for r in trend_rows}
    return EngagementReport(
        period=period,
        account=account,
        campaign=campaign,
        generated_at=utcnow(),
        totals=add_figures([a.figures for a in accounts]),
        accounts=accounts,
        top_posts=[_post(r) for r in top_rows],
        trend=[TrendPoint(b, by_bucket.get(i, Figures())) for i, b in enumerate(steps)],
        posts=[_post(r) for r in post_rows],
    )


_POST_SELECT = (
    "SELECT id, post_id, account_id, published_at, remote_id, text, taken_at, 1 AS posts, "
    + ", ".join(METRICS)
    + f", {ENGAGEMENT_SUM.format(p='')} AS engagements FROM latest"
)


def _post(row: Any) -> PostEngagement:
    return PostEngagement(
        publication_id=row.id,
        post_id=row.post_id,
        account=row.account_id,
        published_at=row.published_at,
        remote_id=row.remote_id,
        text=row.text,
        measured_at=row.taken_at,
        figures=Figures.from_row(row),
    )


def add_figures(parts: list[Figures]) -> Figures:
    """The sum of some groups' figures (clicks None only when no group has any)."""
    clicks = [f.clicks for f in parts if f.clicks is not None]
    return Figures(
        posts=sum(f.posts for f in parts),
        impressions=sum(f.impressions for f in parts),
        likes=sum(f.likes for f in parts),
        replies=sum(f.replies for f in parts),
        shares=sum(f.shares for f in parts),
        clicks=sum(clicks) if clicks else None,
        quotes=sum(f.quotes for f in parts),
        bookmarks=sum(f.bookmarks for f in parts),
        engagements=sum(f.engagements for f in parts),
    )
