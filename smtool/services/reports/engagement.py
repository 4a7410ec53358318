"""Engagement: reach and interactions per account, per post and over the period.

Each post counts with its latest snapshot: the lifetime figures as last measured by the metrics job.
Engagements are every interaction a platform reports (likes or reactions, replies or comments,
shares, link clicks, quotes, bookmarks); the engagement rate is engagements per impression.
"""

# SQL here is formatted only from this package's constants; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlmodel import select

from smtool.services.context import Context
from smtool.services.reports.aggregate import (
    ENGAGEMENT_SUM,
    METRICS,
    Scope,
    bucket_sql,
    fetch,
    posts_cte,
    scope_params,
    scratch_table,
)
from smtool.services.reports.period import Bucket, Period, buckets
from smtool.store.tables import Account

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
    def from_values(cls, values: Sequence[int | None]) -> Figures:
        """From posts, the METRICS in order, and engagements (as the queries here select them)."""
        posts, impressions, likes, replies, shares, clicks, quotes, bookmarks, engagements = values
        return cls(
            posts=int(posts or 0),
            impressions=int(impressions or 0),
            likes=int(likes or 0),
            replies=int(replies or 0),
            shares=int(shares or 0),
            clicks=None if clicks is None else int(clicks),
            quotes=int(quotes or 0),
            bookmarks=int(bookmarks or 0),
            engagements=int(engagements or 0),
        )


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
    params = scope_params(scope)
    unit = period.trend_unit()
    steps = buckets(period, unit)
    top = ctx.settings.reports.top_posts
    latest = (
        f"{posts_cte(dialect, scope)} SELECT {_POST_COLUMNS}, "
        f"{bucket_sql('published_at', dialect, period, unit)} AS b FROM latest"
    )
    with ctx.db.read() as session, scratch_table(session, dialect, "report_latest", latest, params):
        # Figures per account and trend step; the totals, accounts and trend are sums of these.
        groups = fetch(
            session,
            f"SELECT account_id, b, {_FIGURES_SQL} FROM report_latest GROUP BY account_id, b",
            {},
            _GroupRow,
        )
        names = {a.id: (a.platform, a.handle) for a in session.exec(select(Account)).all()}
        if with_posts:
            posts = [_post(r) for r in fetch(session, _posts_sql("published_at, id"), {}, _PostRow)]
            ranked = sorted(
                posts, key=lambda p: (-p.figures.engagements, -p.figures.impressions, p.publication_id)
            )
            top_posts = ranked[:top]
        else:
            posts = []
            top_rows = fetch(session, _posts_sql(_TOP_ORDER, True), {"top": top}, _PostRow)
            top_posts = [_post(r) for r in top_rows]
    per_account: dict[str, list[Figures]] = defaultdict(list)
    per_step: dict[int, list[Figures]] = defaultdict(list)
    for row in groups:
        figures = Figures.from_values(row[2:])
        per_account[row.account_id].append(figures)
        per_step[row.b].append(figures)
    accounts = [
        AccountEngagement(name, *names.get(name, ("", "")), add_figures(per_account[name]))
        for name in sorted(per_account)
    ]
    return EngagementReport(
        period=period,
        account=account,
        campaign=campaign,
        generated_at=ctx.clock(),
        totals=add_figures([a.figures for a in accounts]),
        accounts=accounts,
        top_posts=top_posts,
        trend=[TrendPoint(b, add_figures(per_step.get(i, []))) for i, b in enumerate(steps)],
        posts=posts,
    )


class _GroupRow(NamedTuple):
    """The figures of one account's posts in one trend step (b: the step's index)."""

    account_id: str
    b: int
    posts: int
    impressions: int
    likes: int
    replies: int
    shares: int
    clicks: int | None
    quotes: int
    bookmarks: int
    engagements: int


class _PostRow(NamedTuple):
    """One post with its latest figures (taken_at None: never measured) and its text."""

    id: int
    post_id: int
    account_id: str
    published_at: datetime
    remote_id: str | None
    taken_at: datetime | None
    posts: int
    impressions: int
    likes: int
    replies: int
    shares: int
    clicks: int | None
    quotes: int
    bookmarks: int
    engagements: int
    text: str


_POST_COLUMNS = (
    "id, post_id, account_id, published_at, remote_id, taken_at, 1 AS posts, "
    # Counts a platform did not give are 0 for a post (the sums treat them so too); clicks stay NULL.
    + ", ".join(m if m == "clicks" else f"COALESCE({m}, 0) AS {m}" for m in METRICS)
    + f", {ENGAGEMENT_SUM.format(p='')} AS engagements"
)
# The columns of report_latest a post's row reads (as _POST_COLUMNS names them); the text comes
# from publications.
_LATEST_COLUMNS = [c for c in _PostRow._fields if c != "text"]


def _posts_sql(order: str, limit: bool = False) -> str:
    """Posts with their latest figures in `order`; with `limit`, texts joined only to the rows kept."""
    if not limit:
        # Read in id order (as the table was filled), the text lookups walk publications forwards.
        columns = ", ".join(f"r.{c}" for c in _LATEST_COLUMNS)
        by = ", ".join(f"r.{part.strip()}" for part in order.split(","))
        return (
            f"SELECT {columns}, p.text FROM report_latest r JOIN publications p ON p.id = r.id ORDER BY {by}"
        )
    inner = f"SELECT {', '.join(_LATEST_COLUMNS)} FROM report_latest ORDER BY {order} LIMIT :top"
    outer = ", ".join(f"t.{part.strip()}" for part in order.split(","))
    return f"SELECT t.*, p.text FROM ({inner}) t JOIN publications p ON p.id = t.id ORDER BY {outer}"


_TOP_ORDER = "engagements DESC, impressions DESC, id"


def _post(row: _PostRow) -> PostEngagement:
    # A file lists every post of a year (100,000 rows): the row is unpacked in one step (not read
    # by name), and the figures, already whole numbers, go in as they are (Figures.from_values
    # would convert each).
    (
        publication_id,
        post_id,
        account,
        published_at,
        remote_id,
        measured_at,
        posts,
        impressions,
        likes,
        replies,
        shares,
        clicks,
        quotes,
        bookmarks,
        engagements,
        text,
    ) = row
    return PostEngagement(
        publication_id=publication_id,
        post_id=post_id,
        account=account,
        published_at=published_at,
        remote_id=remote_id,
        text=text,
        measured_at=measured_at,
        figures=Figures(posts, impressions, likes, replies, shares, clicks, quotes, bookmarks, engagements),
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
