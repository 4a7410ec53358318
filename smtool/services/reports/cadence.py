"""Cadence: whether an account communicates steadily or only in campaign bursts.

Posts per ISO week, silences longer than [reports] gap_days (the stretch before an account's first
and after its last post in the period count too), bursts (local days with at least
burst_posts_per_day posts), and the share of bare-link posts (a link with fewer than
bare_link_min_words words of its own, the checker's bare-link rule).
"""

# SQL here is formatted only from this package's constants; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import NamedTuple

from sqlmodel import col, select

from smtool.services.context import Context
from smtool.services.reports.aggregate import Scope, bucket_sql, epoch_sql, fetch, pubs_cte, scope_params
from smtool.services.reports.period import Bucket, Period, bucket_origin, buckets
from smtool.store.tables import Account

DAY_SECONDS = 86400


class _DayRow(NamedTuple):
    """One account's posts on one local day (d: the day's index in the period)."""

    account_id: str
    d: int
    n: int
    first: datetime
    last: datetime


class _GapRow(NamedTuple):
    """A silence longer than the threshold between two posts of one account."""

    account_id: str
    prev: datetime
    published_at: datetime


class _TextRow(NamedTuple):
    account_id: str
    text: str


@dataclass(frozen=True)
class Gap:
    """A silence on one account: no post between `start` and `end`."""

    account: str
    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


@dataclass(frozen=True)
class Burst:
    account: str
    day: date
    posts: int


@dataclass(frozen=True)
class AccountCadence:
    account: str
    posts: int
    weekly: list[int]
    """Posts in each of the report's weeks (CadenceReport.weeks)."""
    active_weeks: int
    gaps: int
    longest_gap_days: float
    bursts: int
    bare_links: int

    @property
    def posts_per_week(self) -> float:
        return sum(self.weekly) / len(self.weekly) if self.weekly else 0.0

    @property
    def bare_link_share(self) -> float | None:
        return self.bare_links / self.posts if self.posts else None


@dataclass(frozen=True)
class CadenceReport:
    period: Period
    account: str | None
    campaign: str | None
    generated_at: datetime
    gap_days: float
    burst_posts_per_day: int
    weeks: list[Bucket]
    accounts: list[AccountCadence]
    gaps: list[Gap]
    bursts: list[Burst]

    @property
    def posts(self) -> int:
        return sum(a.posts for a in self.accounts)

    @property
    def bare_link_share(self) -> float | None:
        posts = self.posts
        return sum(a.bare_links for a in self.accounts) / posts if posts else None


def is_bare_link(text: str, min_words: int) -> bool:
    """A link with fewer than `min_words` words of its own text: the checker's bare-link rule
    (URLs, hashtags and mentions are not words), with the checker's patterns."""
    # Imported here, not above: the reports package loads with the worker's metrics job, which
    # needs no checker (importing any part of it loads the whole engine, a tenth of a second).
    from smtool.checker.text import HASHTAG, MENTION, WORD, link_spans

    links = link_spans(text)
    if not links:
        return False
    for start, end in reversed(links):
        text = text[:start] + " " + text[end:]
    own = MENTION.sub(" ", HASHTAG.sub(" ", text))
    return sum(1 for _ in islice(WORD.finditer(own), min_words)) < min_words


def cadence(
    ctx: Context, period: Period, account: str | None = None, campaign: str | None = None
) -> CadenceReport:
    """The cadence report of the posts published in `period` (optionally one account/campaign)."""
    settings = ctx.settings.reports
    scope = Scope(period, account, campaign)
    dialect = ctx.db.dialect
    cte = pubs_cte(dialect, scope)
    params = scope_params(scope)
    weeks = buckets(period, "week")
    gap_seconds = int(settings.gap_days * 86400)
    with ctx.db.read() as session:
        query = select(Account.id).where(col(Account.active).is_(True)).order_by(col(Account.id))
        names = [account] if account else list(session.exec(query).all())
        # Posts per account and local day: weeks, bursts and each account's first and last post
        # all follow from these few thousand rows.
        day_rows = fetch(
            session,
            f"{cte} SELECT account_id, {bucket_sql('published_at', dialect, period, 'day')} AS d, "
            "COUNT(*) AS n, MIN(published_at) AS first, MAX(published_at) AS last "
            "FROM pubs GROUP BY account_id, d ORDER BY account_id, d",
            params,
            _DayRow,
        )
        # A silence of a day or more always lies between two days' posts, so the per-day first and
        # last posts below find it; a shorter threshold needs every post's predecessor.
        inner_gaps = (
            []
            if gap_seconds >= DAY_SECONDS
            else fetch(
                session,
                f"{cte}, ordered AS (SELECT account_id, published_at, LAG(published_at) OVER "
                "(PARTITION BY account_id ORDER BY published_at) AS prev FROM pubs) "
                "SELECT account_id, prev, published_at FROM ordered WHERE prev IS NOT NULL AND "
                f"{epoch_sql('published_at', dialect)} - {epoch_sql('prev', dialect)} > :gap",
                {**params, "gap": gap_seconds},
                _GapRow,
            )
        )
        # Every link the checker finds holds a dot or "://"; only such texts reach Python.
        link_rows = fetch(
            session,
            f"{pubs_cte(dialect, scope, with_text=True)} SELECT account_id, text FROM pubs "
            "WHERE text LIKE '%.%' OR text LIKE '%://%'",
            params,
            _TextRow,
        )
    days = [date.fromisoformat(b.label) for b in buckets(period, "day")]
    monday = bucket_origin(period, "week")
    weekly: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    spans: dict[str, tuple[datetime, datetime]] = {}
    bursts = []
    gaps: list[Gap] = []
    for row in day_rows:
        day, posts = days[row.d], row.n
        weekly[row.account_id][(day - monday).days // 7] += posts
        if posts >= settings.burst_posts_per_day:
            bursts.append(Burst(row.account_id, day, posts))
        if row.account_id in spans:  # rows come in day order
            first, previous = spans[row.account_id]
            if gap_seconds >= DAY_SECONDS and (row.first - previous).total_seconds() > gap_seconds:
                gaps.append(Gap(row.account_id, previous, row.first))
        else:
            first = row.first
        spans[row.account_id] = (first, row.last)
    gaps += [Gap(r.account_id, r.prev, r.published_at) for r in inner_gaps]
    gaps += _edge_gaps(names, spans, period, gap_seconds, ctx.clock())
    gaps.sort(key=lambda g: (g.account, g.start))
    bare: dict[str, int] = defaultdict(int)
    seen: dict[str, bool] = {}  # a post to several accounts is one text, judged once
    for owner, text in link_rows:
        if text not in seen:
            seen[text] = is_bare_link(text, settings.bare_link_min_words)
        bare[owner] += seen[text]
    return CadenceReport(
        period=period,
        account=account,
        campaign=campaign,
        generated_at=ctx.clock(),
        gap_days=settings.gap_days,
        burst_posts_per_day=settings.burst_posts_per_day,
        weeks=weeks,
        accounts=[_account(name, weekly[name], gaps, bursts, bare[name]) for name in names],
        gaps=gaps,
        bursts=bursts,
    )


def _edge_gaps(
    names: list[str],
    spans: dict[str, tuple[datetime, datetime]],
    period: Period,
    gap_seconds: int,
    now: datetime,
) -> list[Gap]:
    """Silences from the period's start to the first post and from the last post to its end (or
    now, for a period still running); a whole silent period for an account without posts."""
    end = min(period.end, now)
    longest = timedelta(seconds=gap_seconds)
    out = []
    for name in names:
        span = spans.get(name)
        candidates = [(period.start, span[0]), (span[1], end)] if span else [(period.start, end)]
        out += [Gap(name, a, b) for a, b in candidates if b - a > longest]
    return out


def _account(name: str, weekly: list[int], gaps: list[Gap], bursts: list[Burst], bare: int) -> AccountCadence:
    own = [g for g in gaps if g.account == name]
    return AccountCadence(
        account=name,
        posts=sum(weekly),
        weekly=weekly,
        active_weeks=sum(1 for n in weekly if n),
        gaps=len(own),
        longest_gap_days=max((g.days for g in own), default=0.0),
        bursts=sum(1 for b in bursts if b.account == name),
        bare_links=bare,
    )
