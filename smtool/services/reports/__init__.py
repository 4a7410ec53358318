"""Reports: what the social media work achieved, and the metrics they are built from.

`metrics` is the worker's job that collects the snapshots every report reads. Each report is a
function `(ctx, period, account=None, campaign=None) -> SomethingReport` returning typed dataclasses
(for the CLI, the TUI and the files): `engagement`, `response_times`, `cadence` and `campaign`, over a
`period` of local days, with the SQL they share in `aggregate`. `sheets` (`layout`) turns any of them
into named tables and charts, and `formats.render` into CSV, JSON, XLSX or HTML (`html_page` with
`svg` charts). `schedule` writes the scheduled reports.
"""

from __future__ import annotations

from typing import Literal

from smtool.errors import UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.reports.cadence import CadenceReport, cadence
from smtool.services.reports.campaign import CampaignReport, campaign
from smtool.services.reports.engagement import EngagementReport, engagement
from smtool.services.reports.period import Period, period_between, previous_month, previous_week
from smtool.services.reports.response_times import ResponseTimesReport, response_times
from smtool.services.reports.sheets import Layout, Report, layout

ReportKind = Literal["engagement", "response-times", "cadence", "campaign"]
REPORT_KINDS: tuple[ReportKind, ...] = ("engagement", "response-times", "cadence", "campaign")

__all__ = [
    "REPORT_KINDS",
    "CadenceReport",
    "CampaignReport",
    "EngagementReport",
    "Layout",
    "Period",
    "Report",
    "ReportKind",
    "ResponseTimesReport",
    "build",
    "cadence",
    "campaign",
    "engagement",
    "layout",
    "period_between",
    "previous_month",
    "previous_week",
    "response_times",
]


def build(
    ctx: Context,
    kind: ReportKind,
    period: Period,
    account: str | None = None,
    campaign_tag: str | None = None,
    *,
    with_posts: bool = True,
) -> Report:
    """Any report by name. `with_posts` False leaves out the full per-post list (the terminal table
    shows only the top posts). Raises UsageError for an unknown account or a campaign report
    without a campaign tag."""
    if account and ctx.settings.account(account) is None:
        known = ", ".join(a.id for a in ctx.settings.accounts) or _("none configured")
        raise UsageError(
            _("no account {account} in config.toml; known accounts: {known}").format(
                account=repr(account), known=known
            )
        )
    if kind == "engagement":
        return engagement(ctx, period, account, campaign_tag, with_posts=with_posts)
    if kind == "response-times":
        return response_times(ctx, period, account, campaign_tag)
    if kind == "cadence":
        return cadence(ctx, period, account, campaign_tag)
    return campaign(ctx, period, account, campaign_tag, with_posts=with_posts)
