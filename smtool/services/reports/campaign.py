"""Campaign: a one-page indicator summary of the posts tagged with one campaign (e.g. an EU project
id), with the engagement, response-time and cadence figures behind it.

Citizens' messages of a campaign are those in the threads under its posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.reports.cadence import CadenceReport, cadence
from smtool.services.reports.engagement import EngagementReport, engagement
from smtool.services.reports.period import Period
from smtool.services.reports.response_times import ResponseTimesReport, response_times


@dataclass(frozen=True)
class Indicator:
    """One line of the summary; `unit` is "" (a count), "%" (value is a 0..1 share) or "h"."""

    name: str
    value: float | None
    unit: str = ""


@dataclass(frozen=True)
class CampaignReport:
    period: Period
    account: str | None
    campaign: str
    generated_at: datetime
    indicators: list[Indicator]
    engagement: EngagementReport
    response_times: ResponseTimesReport
    cadence: CadenceReport


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else minutes / 60


def campaign(
    ctx: Context,
    period: Period,
    account: str | None = None,
    campaign: str | None = None,
    *,
    with_posts: bool = True,
) -> CampaignReport:
    """The summary of campaign `campaign` in `period`; raises UsageError without a campaign tag."""
    if not campaign:
        raise UsageError(_("the campaign report needs --campaign TAG (e.g. an EU project id)"))
    reach = engagement(ctx, period, account, campaign, with_posts=with_posts)
    answers = response_times(ctx, period, account, campaign)
    steady = cadence(ctx, period, account, campaign)
    totals = reach.totals
    first = answers.totals
    indicators = [
        Indicator(N_("Posts published"), totals.posts),
        Indicator(N_("Accounts used"), sum(1 for a in reach.accounts if a.figures.posts)),
        Indicator(N_("Impressions"), totals.impressions),
        Indicator(N_("Engagements"), totals.engagements),
        Indicator(N_("Engagement rate"), totals.engagement_rate, "%"),
        Indicator(N_("Likes and reactions"), totals.likes),
        Indicator(N_("Replies and comments"), totals.replies),
        Indicator(N_("Shares"), totals.shares),
        Indicator(N_("Link clicks"), totals.clicks),
        Indicator(N_("Citizens' messages"), first.items),
        Indicator(N_("Answered"), first.answered),
        Indicator(N_("First response within target"), first.first_response_within_target, "%"),
        Indicator(
            N_("Median first response (working hours)"), _hours(first.first_response_median_minutes), "h"
        ),
        Indicator(
            N_("Weeks with posts"),
            sum(1 for week in zip(*(a.weekly for a in steady.accounts), strict=True) if any(week)),
        ),
        Indicator(N_("Weeks in period"), len(steady.weeks)),
        Indicator(N_("Bare-link posts"), steady.bare_link_share, "%"),
        Indicator(N_("Bursts"), len(steady.bursts)),
    ]
    return CampaignReport(period, account, campaign, ctx.clock(), indicators, reach, answers, steady)
