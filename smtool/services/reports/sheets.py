"""Reports as named tables (one row per entity) and charts: what every output format draws from.

The first sheet of a report is its main table (the CSV holds only that one); XLSX has a worksheet
per sheet, JSON an array per sheet, HTML a table per sheet. Column names are documented in the
README's "Reports" section: keep the two in step. Times are local times of the institution's zone
("YYYY-MM-DD HH:MM"); shares and rates are fractions (0.25 = 25 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from smtool.domain.timezones import to_local
from smtool.services.reports.cadence import CadenceReport
from smtool.services.reports.campaign import CampaignReport
from smtool.services.reports.engagement import EngagementReport, Figures, PostEngagement
from smtool.services.reports.period import Period
from smtool.services.reports.response_times import ResponseGroup, ResponseTimesReport

Report = EngagementReport | ResponseTimesReport | CadenceReport | CampaignReport
Cell = str | int | float | None


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    percent: frozenset[str] = frozenset()
    """Columns holding 0..1 shares (shown as percentages by the table and HTML renderers)."""
    percent_rows: frozenset[int] = frozenset()
    """Rows whose numbers are 0..1 shares, for a sheet that mixes units down a column (the campaign
    indicators): shown as percentages like the columns above, so 0.8 never reads as "0.80 %"."""

    def is_share(self, row: int, column: str) -> bool:
        return column in self.percent or row in self.percent_rows

    @property
    def headings(self) -> list[str]:
        """The columns as people read them (terminal, HTML, XLSX); CSV and JSON keep the names."""
        return [heading(c) for c in self.columns]


# What people read above a column. The CSV and JSON keep the column names (scripts read them, and
# the README documents them); everything a person reads says it in words, with its unit.
_HEADINGS = {
    "publication_id": "Publication",
    "post_id": "Post",
    "published_at": "Published",
    "remote_id": "Platform id",
    "measured_at": "Measured",
    "first_response_median_minutes": "First response, median (working min)",
    "first_response_p90_minutes": "First response, 90th percentile (working min)",
    "first_response_within_target": "First response within target",
    "resolution_median_minutes": "Resolution, median (working min)",
    "resolution_within_target": "Resolved within target",
    "longest_gap_days": "Longest gap (days)",
}

# Columns holding local times ("YYYY-MM-DD HH:MM") and local days ("YYYY-MM-DD"): XLSX writes them
# as date cells, so that a spreadsheet sorts, filters and computes with them.
TIME_COLUMNS = frozenset({"published_at", "measured_at", "start", "end"})
DAY_COLUMNS = frozenset({"day"})


def heading(column: str) -> str:
    """A column name as people read it: "engagement_rate" is "Engagement rate"."""
    return _HEADINGS.get(column) or column.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Chart:
    """A bar or line chart: one value per label in each series."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    kind: str = "bar"  # bar | line
    percent: bool = False


@dataclass(frozen=True)
class Layout:
    """Everything a renderer needs: the title, what the report covers, its sheets and charts."""

    kind: str
    title: str
    period: Period
    account: str | None
    campaign: str | None
    generated_at: datetime
    sheets: list[Sheet]
    charts: list[Chart] = field(default_factory=list)

    @property
    def scope(self) -> str:
        """What the report covers, for a file's heading: the period, its zone, account, campaign."""
        parts = [f"{self.period.label} ({self.period.zone})"]
        parts += [f"account {self.account}"] if self.account else []
        parts += [f"campaign {self.campaign}"] if self.campaign else []
        return ", ".join(parts)


def local(moment: datetime | None, zone: str) -> str | None:
    return None if moment is None else to_local(moment, zone).strftime("%Y-%m-%d %H:%M")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


FIGURE_COLUMNS = [
    "posts",
    "impressions",
    "likes",
    "replies",
    "shares",
    "clicks",
    "quotes",
    "bookmarks",
    "engagements",
    "engagement_rate",
]


def _figures(f: Figures) -> list[Cell]:
    return [
        f.posts,
        f.impressions,
        f.likes,
        f.replies,
        f.shares,
        f.clicks,
        f.quotes,
        f.bookmarks,
        f.engagements,
        _round(f.engagement_rate),
    ]


POST_COLUMNS = [
    "publication_id",
    "post_id",
    "account",
    "published_at",
    "remote_id",
    *FIGURE_COLUMNS[1:],
    "measured_at",
    "text",
]


def _post(p: PostEngagement, zone: str) -> list[Cell]:
    return [
        p.publication_id,
        p.post_id,
        p.account,
        local(p.published_at, zone),
        p.remote_id,
        *_figures(p.figures)[1:],
        local(p.measured_at, zone),
        p.text,
    ]


RATE = frozenset({"engagement_rate"})


def engagement_sheets(r: EngagementReport) -> list[Sheet]:
    zone = r.period.zone
    return [
        Sheet("posts", "Posts", POST_COLUMNS, [_post(p, zone) for p in r.posts], RATE),
        Sheet(
            "accounts",
            "Accounts",
            ["account", "platform", "handle", *FIGURE_COLUMNS],
            [[a.account, a.platform, a.handle, *_figures(a.figures)] for a in r.accounts],
            RATE,
        ),
        Sheet("top_posts", "Top posts", POST_COLUMNS, [_post(p, zone) for p in r.top_posts], RATE),
        Sheet(
            "trend",
            "Trend (posts published in each step)",
            ["step", "start", *FIGURE_COLUMNS],
            [[t.bucket.label, local(t.bucket.start, zone), *_figures(t.figures)] for t in r.trend],
            RATE,
        ),
    ]


def engagement_charts(r: EngagementReport) -> list[Chart]:
    labels = [t.bucket.label for t in r.trend]
    return [
        Chart(
            "Impressions and engagements by publication date",
            labels,
            [
                ("impressions", [float(t.figures.impressions) for t in r.trend]),
                ("engagements", [float(t.figures.engagements) for t in r.trend]),
            ],
            kind="line",
        ),
        Chart(
            "Engagements per account",
            [a.account for a in r.accounts],
            [("engagements", [float(a.figures.engagements) for a in r.accounts])],
        ),
    ]


RESPONSE_COLUMNS = [
    "scope",
    "name",
    "items",
    "answered",
    "first_response_median_minutes",
    "first_response_p90_minutes",
    "first_response_within_target",
    "resolved",
    "resolution_median_minutes",
    "resolution_within_target",
    "open",
]
SHARES = frozenset({"first_response_within_target", "resolution_within_target"})


def _group(scope: str, g: ResponseGroup) -> list[Cell]:
    return [
        scope,
        g.key,
        g.items,
        g.answered,
        _round(g.first_response_median_minutes, 1),
        _round(g.first_response_p90_minutes, 1),
        _round(g.first_response_within_target),
        g.resolved,
        _round(g.resolution_median_minutes, 1),
        _round(g.resolution_within_target),
        g.open,
    ]


def response_sheets(r: ResponseTimesReport) -> list[Sheet]:
    rows = [_group("all", r.totals)]
    rows += [_group("team", g) for g in r.teams] + [_group("account", g) for g in r.accounts]
    return [
        Sheet("groups", "Response times (working minutes)", RESPONSE_COLUMNS, rows, SHARES),
        Sheet("backlog", "Open backlog by age", ["age", "items"], [[b.label, b.items] for b in r.backlog]),
    ]


def response_charts(r: ResponseTimesReport) -> list[Chart]:
    return [
        Chart(
            "First response within target, per team",
            [g.key for g in r.teams],
            [("within target", [g.first_response_within_target or 0.0 for g in r.teams])],
            percent=True,
        ),
        Chart(
            "Open backlog by age",
            [b.label for b in r.backlog],
            [("items", [float(b.items) for b in r.backlog])],
        ),
    ]


def cadence_sheets(r: CadenceReport) -> list[Sheet]:
    zone = r.period.zone
    return [
        Sheet(
            "accounts",
            "Cadence per account",
            [
                "account",
                "posts",
                "posts_per_week",
                "active_weeks",
                "weeks",
                "gaps",
                "longest_gap_days",
                "bursts",
                "bare_links",
                "bare_link_share",
            ],
            [
                [
                    a.account,
                    a.posts,
                    _round(a.posts_per_week, 2),
                    a.active_weeks,
                    len(r.weeks),
                    a.gaps,
                    _round(a.longest_gap_days, 2),
                    a.bursts,
                    a.bare_links,
                    _round(a.bare_link_share),
                ]
                for a in r.accounts
            ],
            frozenset({"bare_link_share"}),
        ),
        Sheet(
            "weekly",
            "Posts per week",
            ["account", "week", "start", "posts"],
            [
                [a.account, w.label, local(w.start, zone), n]
                for a in r.accounts
                for w, n in zip(r.weeks, a.weekly, strict=True)
            ],
        ),
        Sheet(
            "gaps",
            f"Silences longer than {r.gap_days:g} days",
            ["account", "start", "end", "days"],
            [[g.account, local(g.start, zone), local(g.end, zone), _round(g.days, 2)] for g in r.gaps],
        ),
        Sheet(
            "bursts",
            f"Days with {r.burst_posts_per_day} or more posts",
            ["account", "day", "posts"],
            [[b.account, b.day.isoformat(), b.posts] for b in r.bursts],
        ),
    ]


def cadence_charts(r: CadenceReport) -> list[Chart]:
    return [
        Chart(
            "Posts per week",
            [w.label for w in r.weeks],
            [(a.account, [float(n) for n in a.weekly]) for a in r.accounts],
            kind="line",
        )
    ]


def campaign_sheets(r: CampaignReport) -> list[Sheet]:
    indicators = Sheet(
        "indicators",
        f"Campaign {r.campaign}: indicators",
        ["indicator", "value", "unit"],
        [[i.name, _round(i.value), i.unit] for i in r.indicators],
        percent_rows=frozenset(n for n, i in enumerate(r.indicators) if i.unit == "%"),
    )
    reach = {s.name: s for s in engagement_sheets(r.engagement)}
    steady = {s.name: s for s in cadence_sheets(r.cadence)}
    answers = response_sheets(r.response_times)[0]
    return [
        indicators,
        reach["accounts"],
        reach["top_posts"],
        Sheet("response_times", answers.title, answers.columns, answers.rows, answers.percent),
        Sheet(
            "cadence",
            steady["accounts"].title,
            steady["accounts"].columns,
            steady["accounts"].rows,
            steady["accounts"].percent,
        ),
        reach["posts"],
    ]


def layout(r: Report) -> Layout:
    """The sheets and charts of any report."""
    if isinstance(r, EngagementReport):
        kind, title, sheets, charts = "engagement", "Engagement", engagement_sheets(r), engagement_charts(r)
    elif isinstance(r, ResponseTimesReport):
        kind, title, sheets, charts = (
            "response-times",
            "Response times",
            response_sheets(r),
            response_charts(r),
        )
    elif isinstance(r, CadenceReport):
        kind, title, sheets, charts = "cadence", "Cadence", cadence_sheets(r), cadence_charts(r)
    else:
        kind, title = "campaign", f"Campaign {r.campaign}"
        sheets = campaign_sheets(r)
        charts = engagement_charts(r.engagement)[:1] + cadence_charts(r.cadence)
    return Layout(kind, title, r.period, r.account, r.campaign, r.generated_at, sheets, charts)


def row_dicts(sheet: Sheet) -> list[dict[str, Cell]]:
    """Each row keyed by its sheet's column names (the JSON file's tables): which keys depends on
    the sheet, so a row is a dict of cells rather than a shape of its own."""
    return [dict(zip(sheet.columns, row, strict=True)) for row in sheet.rows]
