"""The campaign summary: its posts' figures, the messages in their threads, its cadence."""

from __future__ import annotations

from datetime import date

import pytest

from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.reports import campaign
from smtool.services.reports.period import Period
from smtool.store.tables import Publication
from tests.support.store_data import add_item, add_post, riga

PERIOD = Period(date(2025, 10, 20), date(2025, 11, 2), "Europe/Riga")


def _remote_id(ctx: Context, publication_id: int) -> str:
    with ctx.db.read() as session:
        publication = session.get(Publication, publication_id)
        assert publication is not None and publication.remote_id
        return publication.remote_id


def test_campaign_indicators(ctx: Context) -> None:
    tagged = add_post(
        ctx,
        "vk-x",
        riga(2025, 10, 21, 10, 0),
        campaigns=["LV-ESF-1"],
        snapshots=[
            (riga(2025, 10, 22), {"impressions": 1000, "likes": 30, "replies": 5, "shares": 5, "clicks": 10})
        ],
    )
    add_post(
        ctx,
        "vk-fb",
        riga(2025, 10, 28, 10, 0),
        text="https://www.vk.gov.lv",
        campaigns=["LV-ESF-1"],
        snapshots=[(riga(2025, 10, 29), {"impressions": 500, "likes": 10})],
    )
    other = add_post(
        ctx,
        "vk-x",
        riga(2025, 10, 22, 10, 0),
        campaigns=["OTHER"],
        snapshots=[(riga(2025, 10, 23), {"impressions": 9999})],
    )
    add_item(
        ctx,
        "vk-x",
        riga(2025, 10, 21, 11, 0),
        thread=_remote_id(ctx, tagged),
        first_response_at=riga(2025, 10, 21, 12, 0),
        state="answered",
    )
    add_item(ctx, "vk-x", riga(2025, 10, 22, 11, 0), thread=_remote_id(ctx, other))

    report = campaign(ctx, PERIOD, campaign="LV-ESF-1")

    values = {i.name: i.value for i in report.indicators}
    assert values["Posts published"] == 2 and values["Accounts used"] == 2
    assert values["Impressions"] == 1500 and values["Engagements"] == 60
    assert values["Engagement rate"] == pytest.approx(60 / 1500)
    assert values["Link clicks"] == 10
    assert values["Citizens' messages"] == 1 and values["Answered"] == 1
    assert values["First response within target"] == 1.0
    assert values["Median first response (working hours)"] == pytest.approx(1.0)
    assert values["Weeks with posts"] == 2 and values["Weeks in period"] == 2
    assert values["Bare-link posts"] == pytest.approx(0.5)


def test_the_campaign_report_needs_a_tag(ctx: Context) -> None:
    with pytest.raises(UsageError, match="--campaign"):
        campaign(ctx, PERIOD)
