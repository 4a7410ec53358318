"""services.calendar, which the calendar and accounts screens read: periods in local days, keyset
pages, day counts, rescheduling with re-approval, and each account's publishing state."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from smtool.errors import InvalidTransition, PermissionDenied, UsageError
from smtool.services.publishing import calendar
from smtool.services.publishing.approval import approve_posts, submit_post, withdraw_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.pauses import pause
from smtool.services.publishing.views import show_post
from smtool.store.tables import Publication
from tests.support.tui import Installation

ZONE = "Europe/Riga"


def test_a_local_period_is_whole_local_days_across_a_dst_change() -> None:
    start, end = calendar.local_period(ZONE, date(2026, 3, 29), 1)  # clocks go forward that night
    assert (end - start).total_seconds() == 23 * 3600
    assert start.isoformat() == "2026-03-28T22:00:00+00:00"


def test_pages_counts_reschedule_and_account_states(installation: Installation) -> None:
    ctx = installation.ctx
    approved = []
    for day in range(4, 9):
        post_id = create_post(
            ctx, "anna", Draft(f"Ziņa {day}. martā.", ["sandbox-x"], at=f"2026-03-{day:02d} 10:00")
        )
        submit_post(ctx, "anna", post_id)
        approved.append(post_id)
    approve_posts(ctx, "karlis", approved)
    waiting = create_post(
        ctx, "anna", Draft("Vēl jāapstiprina.", ["sandbox-x", "sandbox-fb"], at="2026-03-05 12:00")
    )
    submit_post(ctx, "anna", waiting)
    start, end = calendar.local_period(ZONE, date(2026, 3, 4), 7)

    first = calendar.entries(ctx, start, end, limit=2)
    assert [e.post_id for e in first.entries] == [approved[0], approved[1], waiting, waiting]
    assert first.next_after is not None
    rest = calendar.entries(ctx, start, end, after=first.next_after, limit=2)
    assert [e.post_id for e in rest.entries] == approved[2:4]
    last = calendar.entries(ctx, start, end, after=rest.next_after, limit=2)
    assert [e.post_id for e in last.entries] == approved[4:] and last.next_after is None

    counts = calendar.day_counts(ctx, start, end)
    assert counts[(date(2026, 3, 5), "sandbox-x", "scheduled")] == 1
    assert counts[(date(2026, 3, 5), "sandbox-fb", "submitted")] == 1

    with pytest.raises(UsageError, match="does not exist"):
        calendar.reschedule(ctx, "anna", approved[0], "2026-03-29 03:30")
    with pytest.raises(PermissionDenied):
        calendar.reschedule(ctx, "liga", approved[0], "2026-03-20 10:00")  # not hers, not an approver
    assert calendar.reschedule(ctx, "anna", waiting, "2026-03-06 12:00") == "submitted"
    assert calendar.reschedule(ctx, "karlis", approved[0], "2026-03-20 10:00") == "submitted"
    moved = show_post(ctx, approved[0])
    assert moved["scheduled_local_input"] == "2026-03-20 10:00"
    assert [p["state"] for p in moved["publications"]] == ["cancelled"]
    assert all(a["voided"] for a in moved["approvals"])

    with ctx.db.write() as session:  # one publication is already out
        row = session.exec(select(Publication).where(Publication.post_id == approved[1])).one()
        row.state = "published"
    with pytest.raises(InvalidTransition, match="already underway on sandbox-x"):
        calendar.reschedule(ctx, "anna", approved[1], "2026-03-21 10:00")
    withdraw_post(ctx, "anna", approved[2])
    with pytest.raises(InvalidTransition):
        calendar.reschedule(ctx, "anna", approved[2], "2026-03-21 10:00")

    with ctx.db.write() as session:
        row = session.exec(select(Publication).where(Publication.post_id == approved[3])).one()
        row.state = "failed"
    pause(ctx, "karlis", "sandbox-x", "Pārbaude")
    overview = calendar.account_overview(ctx)
    x = next(a for a in overview.accounts if a.id == "sandbox-x")
    assert (x.scheduled, x.attention, x.paused, x.rate_limited_until) == (1, 1, "Pārbaude (karlis)", None)
    assert overview.paused_all is None
