"""Working-hours response times: weekends, Latvian public holidays, moved days off, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from smtool.config import Inbox
from smtool.domain.working_time import WorkingTime, easter_sunday, latvian_holidays, response_times

RIGA = ZoneInfo("Europe/Riga")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=RIGA).astimezone(UTC)


def calendar(**kwargs: object) -> WorkingTime:
    return of_inbox(Inbox.model_validate(kwargs))


def of_inbox(inbox: Inbox) -> WorkingTime:
    return WorkingTime.of(
        "Europe/Riga", inbox.working_hours, inbox.working_days, inbox.public_holidays, inbox.extra_holidays
    )


def test_easter_and_latvian_holidays() -> None:
    assert easter_sunday(2025) == date(2025, 4, 20) and easter_sunday(2026) == date(2026, 4, 5)
    days = latvian_holidays(2026)
    assert date(2026, 4, 3) in days and date(2026, 4, 6) in days  # Good Friday, Easter Monday
    assert {date(2026, 6, 23), date(2026, 6, 24), date(2026, 11, 18), date(2026, 12, 24)} <= days
    # 4 May 2025 and 18 November 2023 fell on a Sunday / Saturday: the next Monday is a day off.
    assert date(2025, 5, 5) in latvian_holidays(2025)
    assert date(2023, 11, 20) in latvian_holidays(2023)
    assert date(2026, 5, 5) not in days


def test_a_friday_evening_comment_waits_over_the_weekend() -> None:
    work = calendar()
    friday_evening = local(2026, 11, 27, 18, 0)
    monday = local(2026, 11, 30, 10, 30)
    assert work.between(friday_evening, monday) == timedelta(hours=2)  # 8:30-10:30 Monday
    assert work.add(friday_evening, 240) == local(2026, 11, 30, 12, 30)


def test_holidays_are_skipped_unless_switched_off() -> None:
    # Wednesday 17 November 2026, 16:00; 18 November (Wednesday) is Proclamation Day.
    start = local(2026, 11, 17, 16, 0)
    assert calendar().add(start, 120) == local(2026, 11, 19, 9, 30)
    assert calendar(public_holidays="none").add(start, 120) == local(2026, 11, 18, 9, 30)
    extra = calendar(extra_holidays=[date(2026, 11, 19)])
    assert extra.add(start, 120) == local(2026, 11, 20, 9, 30)
    # Līgo and Jāņi (Tuesday and Wednesday in 2026) and the weekend before them.
    assert calendar().between(local(2026, 6, 19, 17, 0), local(2026, 6, 25, 9, 30)) == timedelta(hours=9.5)


def test_working_time_across_the_dst_change() -> None:
    # Clocks go back on Sunday 25 October 2026: Friday 16:00 to Monday 9:00 is 1 + 0.5 hours of work.
    assert calendar().between(local(2026, 10, 23, 16, 0), local(2026, 10, 26, 9, 0)) == timedelta(hours=1.5)


def test_response_times_against_targets() -> None:
    inbox = Inbox(target_first_response_minutes=60, target_resolution_minutes=480)
    work = of_inbox(inbox)
    created = local(2026, 11, 27, 16, 30)  # Friday
    times = response_times(
        work,
        (inbox.target_first_response_minutes, inbox.target_resolution_minutes),
        created,
        local(2026, 11, 30, 9, 0),
        None,
        local(2026, 12, 1, 12, 0),
    )
    assert times.first_response_minutes == 60 and not times.first_response_breached
    assert times.resolution_minutes is None and times.resolution_breached
    assert times.first_response_due == local(2026, 11, 30, 9, 0)
