"""A manager's glance: engagement and response times of a period, with small terminal charts.

The figures come from smtool.services.reports (the same as `smtool report`); the period is the last
30 days by default, or the previous week or month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Sparkline, Static

from smtool.domain.timezones import to_local
from smtool.domain.words import counted
from smtool.i18n import N_, _, format_decimal, format_percent
from smtool.services import reports
from smtool.tui import words
from smtool.tui.screens.base import MainScreen
from smtool.tui.widgets.bars import bar_chart
from smtool.tui.widgets.inert import one_line

PERIODS = ("30 days", "previous week", "previous month")
PERIOD_LABELS = {
    "30 days": N_("30 days"),
    "previous week": N_("previous week"),
    "previous month": N_("previous month"),
}
TREND_LABELS = {"day": N_("by day:"), "week": N_("by week:")}


@dataclass(frozen=True)
class Figures:
    engagement: reports.EngagementReport
    response: reports.ResponseTimesReport


def minutes(value: float | None) -> str:
    """A duration in minutes, or hours from two hours on, in the reader's number form."""
    if value is None:
        return "-"
    if value < 120:
        return _("{n} min").format(n=format_decimal(value, 0))
    return _("{n} h").format(n=format_decimal(value / 60, 1))


def share(value: float | None) -> str:
    return "-" if value is None else format_percent(value, 0)


class ReportsScreen(MainScreen):
    TITLE_NAME = N_("Reports")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "period('30 days')", N_("30 days")),
        Binding("w", "period('previous week')", N_("Last week")),
        Binding("m", "period('previous month')", N_("Last month")),
        Binding("g", "refresh", N_("Refresh")),
    ]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.chosen = PERIODS[0]
        self.figures: Figures | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="reports-main"):
            yield Static(id="reports-period")
            yield Static(id="engagement-totals", classes="report-block")
            yield Sparkline([], id="engagement-trend")
            with Horizontal(id="reports-charts"):
                yield Static(id="engagement-accounts", classes="report-block")
                yield Static(id="response-teams", classes="report-block")
            yield Static(id="response-totals", classes="report-block")
            yield Static(id="response-backlog", classes="report-block")
            yield Static(id="engagement-top", classes="report-block")
        yield Static(id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.action_refresh()

    def period(self) -> reports.Period:
        now = self.clock()
        if self.chosen == "previous week":
            return reports.previous_week(now, self.zone)
        if self.chosen == "previous month":
            return reports.previous_month(now, self.zone)
        today = to_local(now, self.zone).date()
        return reports.Period(today - timedelta(days=29), today, self.zone)

    def action_period(self, chosen: str) -> None:
        self.chosen = chosen
        self.action_refresh()

    def action_refresh(self) -> None:
        period = self.period()

        def build() -> Figures:
            return Figures(
                reports.engagement(self.ctx, period, with_posts=False),
                reports.response_times(self.ctx, period),
            )

        self.background(build, self._show, group="load")

    def _show(self, figures: Figures) -> None:
        self.figures = figures
        engagement, response = figures.engagement, figures.response
        self.query_one("#reports-period", Static).update(
            Text(f"{_(PERIOD_LABELS[self.chosen])}: {engagement.period.label} ({self.zone})", style="bold")
        )
        totals = engagement.totals
        rate = "-" if totals.engagement_rate is None else format_percent(totals.engagement_rate)
        self.query_one("#engagement-totals", Static).update(
            Text.assemble(
                (_("Engagement") + " ", "bold"),
                _("{posts}, {impressions}, {engagements} ({rate}); {by_unit}").format(
                    posts=counted(totals.posts, "post", "posts"),
                    impressions=counted(totals.impressions, "impression", "impressions"),
                    engagements=counted(totals.engagements, "engagement", "engagements"),
                    rate=rate,
                    by_unit=_(TREND_LABELS[engagement.period.trend_unit()]),
                ),
            )
        )
        self.query_one("#engagement-trend", Sparkline).data = [
            float(p.figures.engagements) for p in engagement.trend
        ]
        self.query_one("#engagement-accounts", Static).update(
            Text(_("Engagements by account") + "\n", style="bold")
            + bar_chart(
                [
                    (a.account, a.figures.engagements, format_decimal(a.figures.engagements, 0))
                    for a in engagement.accounts
                ],
                width=16,
                label_width=12,
            )
        )
        self.query_one("#response-teams", Static).update(
            Text(_("Median first response by team") + "\n", style="bold")
            + bar_chart(
                [
                    (g.key, g.first_response_median_minutes or 0.0, minutes(g.first_response_median_minutes))
                    for g in response.teams
                ],
                width=16,
                label_width=12,
                style="yellow",
            )
        )
        t = response.totals
        self.query_one("#response-totals", Static).update(
            Text.assemble((_("Response times") + " ", "bold"))
            + words.assemble(
                _(
                    "{items}, {answered} answered, median first response {median} (p90 {p90}), "
                    "{share} within the target of {target}; {open} open"
                ),
                items=Text(counted(t.items, "item", "items")),
                answered=Text(format_decimal(t.answered, 0)),
                median=Text(minutes(t.first_response_median_minutes), style="bold"),
                p90=Text(minutes(t.first_response_p90_minutes)),
                share=Text(share(t.first_response_within_target)),
                target=Text(minutes(response.target_first_response_minutes)),
                open=Text(format_decimal(t.open, 0)),
            )
        )
        ages = [(_(b.label), float(b.items), format_decimal(b.items, 0)) for b in response.backlog]
        self.query_one("#response-backlog", Static).update(
            Text(_("Open items by age") + "\n", style="bold")
            + bar_chart(
                ages,
                width=30,
                # Wide enough for the longest age in the reader's language ("vairāk par 7 dienām").
                label_width=min(max(14, *(len(label) for label, _n, _shown in ages)), 24),
                style="red",
            )
        )
        top = Text(_("Top posts") + "\n", style="bold")
        for post in engagement.top_posts[:3]:
            top.append(f"{format_decimal(post.figures.engagements, 0):>6} ", style="cyan")
            top.append(f"{post.account} ", style="dim")
            top.append_text(one_line(post.text, 50))
            top.append("\n")
        top.rstrip()
        self.query_one("#engagement-top", Static).update(top)
