"""Reports as named tables (one row per entity) and charts: what every output format draws from.

The first sheet of a report is its main table (the CSV holds only that one); XLSX has a worksheet
per sheet, JSON an array per sheet, HTML a table per sheet. Column names are documented in the
README's "Reports" section: keep the two in step. Times are local times of the institution's zone
("YYYY-MM-DD HH:MM"); shares and rates are fractions (0.25 = 25 %).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime

from smtool.domain.timezones import format_local, to_local
from smtool.i18n import N_, _, format_day, format_decimal, format_moment, format_percent
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


# What people read above a column, in the reader's language. The CSV and JSON keep the column names
# (scripts read them, and the README documents them); everything a person reads says it in words,
# with its unit. Every column of every sheet is here, so that the catalog has each one.
_HEADINGS = {
    "publication_id": N_("Publication"),
    "post_id": N_("Post"),
    "account": N_("Account"),
    "published_at": N_("Published"),
    "remote_id": N_("Platform id"),
    "impressions": N_("Impressions"),
    "likes": N_("Likes"),
    "replies": N_("Replies"),
    "shares": N_("Shares"),
    "clicks": N_("Clicks"),
    "quotes": N_("Quotes"),
    "bookmarks": N_("Bookmarks"),
    "engagements": N_("Engagements"),
    "engagement_rate": N_("Engagement rate"),
    "measured_at": N_("Measured"),
    "text": N_("Text"),
    "platform": N_("Platform"),
    "handle": N_("Handle"),
    "posts": N_("Posts"),
    "step": N_("Step"),
    "start": N_("Start"),
    "end": N_("End"),
    "scope": N_("Scope"),
    "name": N_("Name"),
    "items": N_("Items"),
    "answered": N_("Answered"),
    "first_response_median_minutes": N_("First response, median (working min)"),
    "first_response_p90_minutes": N_("First response, 90th percentile (working min)"),
    "first_response_within_target": N_("First response within target"),
    "resolved": N_("Resolved"),
    "resolution_median_minutes": N_("Resolution, median (working min)"),
    "resolution_within_target": N_("Resolved within target"),
    "open": N_("Open"),
    "age": N_("Age"),
    "posts_per_week": N_("Posts per week"),
    "active_weeks": N_("Active weeks"),
    "weeks": N_("Weeks"),
    "gaps": N_("Gaps"),
    "longest_gap_days": N_("Longest gap (days)"),
    "bursts": N_("Bursts"),
    "bare_links": N_("Bare links"),
    "bare_link_share": N_("Bare link share"),
    "week": N_("Week"),
    "days": N_("Days"),
    "day": N_("Day"),
    "indicator": N_("Indicator"),
    "value": N_("Value"),
    "unit": N_("Unit"),
}

# Columns holding local times ("YYYY-MM-DD HH:MM") and local days ("YYYY-MM-DD"): XLSX writes them
# as date cells, so that a spreadsheet sorts, filters and computes with them.
TIME_COLUMNS = frozenset({"published_at", "measured_at", "start", "end"})
DAY_COLUMNS = frozenset({"day"})
# Cells that hold smtool's own English words (marked with N_ where they are made): the CSV and JSON
# keep them as they are, people read them in their language. A column's words, or every value.
ALL_GROUPS = N_("all")
_WORDS: dict[str, frozenset[str] | None] = {
    "scope": None,
    "age": None,
    "indicator": None,
    "name": frozenset({ALL_GROUPS}),  # the response-times totals row; other names are teams, accounts
}


def is_word(column: str, value: str) -> bool:
    """Whether the cell `value` of `column` is one of smtool's words, read translated."""
    if column not in _WORDS:
        return False
    words = _WORDS[column]
    return words is None or value in words


def heading(column: str) -> str:
    """A column name as people read it: "engagement_rate" is "Engagement rate" ("Iesaistes
    koeficients" in Latvian)."""
    known = _HEADINGS.get(column)
    return _(known) if known else column.replace("_", " ").capitalize()


def shown_cell(value: Cell, column: str, share: bool) -> str:
    """A cell as people read it in the terminal and HTML, in their language: shares as percentages,
    numbers with the reader's separators, local times and days in the reader's form, smtool's own
    words translated. Files for programs (CSV, JSON) and XLSX's typed cells keep the value."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if share:
            return format_percent(value)
        return format_decimal(value, 0 if isinstance(value, int) else 2)
    text = str(value)
    if column in TIME_COLUMNS:
        with suppress(ValueError):
            return format_moment(datetime.strptime(text, "%Y-%m-%d %H:%M"))
    if column in DAY_COLUMNS:
        with suppress(ValueError):
            return format_day(date.fromisoformat(text))
    return _(text) if is_word(column, text) else text


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
        parts += [_("account {account}").format(account=self.account)] if self.account else []
        parts += [_("campaign {campaign}").format(campaign=self.campaign)] if self.campaign else []
        return ", ".join(parts)


def generated_line(layout: Layout) -> str:
    """The line under a report file's title: what it covers and when it was made."""
    generated = format_local(layout.generated_at, layout.period.zone)
    return _("{scope}. Generated {generated}.").format(scope=layout.scope, generated=generated)


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
        Sheet("posts", _("Posts"), POST_COLUMNS, [_post(p, zone) for p in r.posts], RATE),
        Sheet(
            "accounts",
            _("Accounts"),
            ["account", "platform", "handle", *FIGURE_COLUMNS],
            [[a.account, a.platform, a.handle, *_figures(a.figures)] for a in r.accounts],
            RATE,
        ),
        Sheet("top_posts", _("Top posts"), POST_COLUMNS, [_post(p, zone) for p in r.top_posts], RATE),
        Sheet(
            "trend",
            _("Trend (posts published in each step)"),
            ["step", "start", *FIGURE_COLUMNS],
            [[t.bucket.label, local(t.bucket.start, zone), *_figures(t.figures)] for t in r.trend],
            RATE,
        ),
    ]


def engagement_charts(r: EngagementReport) -> list[Chart]:
    labels = [t.bucket.label for t in r.trend]
    return [
        Chart(
            _("Impressions and engagements by publication date"),
            labels,
            [
                (_("impressions"), [float(t.figures.impressions) for t in r.trend]),
                (_("engagements"), [float(t.figures.engagements) for t in r.trend]),
            ],
            kind="line",
        ),
        Chart(
            _("Engagements per account"),
            [a.account for a in r.accounts],
            [(_("engagements"), [float(a.figures.engagements) for a in r.accounts])],
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
    # The scopes are words a person reads (translated where shown, WORD_COLUMNS), kept in the files.
    rows = [_group(ALL_GROUPS, r.totals)]
    rows += [_group(N_("team"), g) for g in r.teams] + [_group(N_("account"), g) for g in r.accounts]
    return [
        Sheet("groups", _("Response times (working minutes)"), RESPONSE_COLUMNS, rows, SHARES),
        Sheet("backlog", _("Open backlog by age"), ["age", "items"], [[b.label, b.items] for b in r.backlog]),
    ]


def response_charts(r: ResponseTimesReport) -> list[Chart]:
    return [
        Chart(
            _("First response within target, per team"),
            [g.key for g in r.teams],
            [(_("within target"), [g.first_response_within_target or 0.0 for g in r.teams])],
            percent=True,
        ),
        Chart(
            _("Open backlog by age"),
            [_(b.label) for b in r.backlog],
            [(_("items"), [float(b.items) for b in r.backlog])],
        ),
    ]


def cadence_sheets(r: CadenceReport) -> list[Sheet]:
    zone = r.period.zone
    return [
        Sheet(
            "accounts",
            _("Cadence per account"),
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
            _("Posts per week"),
            ["account", "week", "start", "posts"],
            [
                [a.account, w.label, local(w.start, zone), n]
                for a in r.accounts
                for w, n in zip(r.weeks, a.weekly, strict=True)
            ],
        ),
        Sheet(
            "gaps",
            _("Silences longer than {days} days").format(days=format_decimal(r.gap_days, 0)),
            ["account", "start", "end", "days"],
            [[g.account, local(g.start, zone), local(g.end, zone), _round(g.days, 2)] for g in r.gaps],
        ),
        Sheet(
            "bursts",
            _("Days with {posts} or more posts").format(posts=r.burst_posts_per_day),
            ["account", "day", "posts"],
            [[b.account, b.day.isoformat(), b.posts] for b in r.bursts],
        ),
    ]


def cadence_charts(r: CadenceReport) -> list[Chart]:
    return [
        Chart(
            _("Posts per week"),
            [w.label for w in r.weeks],
            [(a.account, [float(n) for n in a.weekly]) for a in r.accounts],
            kind="line",
        )
    ]


def campaign_sheets(r: CampaignReport) -> list[Sheet]:
    indicators = Sheet(
        "indicators",
        _("Campaign {campaign}: indicators").format(campaign=r.campaign),
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
        kind, title = "engagement", _("Engagement")
        sheets, charts = engagement_sheets(r), engagement_charts(r)
    elif isinstance(r, ResponseTimesReport):
        kind, title, sheets, charts = (
            "response-times",
            _("Response times"),
            response_sheets(r),
            response_charts(r),
        )
    elif isinstance(r, CadenceReport):
        kind, title, sheets, charts = "cadence", _("Cadence"), cadence_sheets(r), cadence_charts(r)
    else:
        kind, title = "campaign", _("Campaign {campaign}").format(campaign=r.campaign)
        sheets = campaign_sheets(r)
        charts = engagement_charts(r.engagement)[:1] + cadence_charts(r.cadence)
    return Layout(kind, title, r.period, r.account, r.campaign, r.generated_at, sheets, charts)


def row_dicts(sheet: Sheet) -> list[dict[str, Cell]]:
    """Each row keyed by its sheet's column names (the JSON file's tables): which keys depends on
    the sheet, so a row is a dict of cells rather than a shape of its own."""
    return [dict(zip(sheet.columns, row, strict=True)) for row in sheet.rows]
